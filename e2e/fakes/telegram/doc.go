// Package telegram is a faithful local fake of the Telegram Bot API for
// tests, benchmarks and end-to-end programs. It needs no *testing.T.
//
// It serves /bot<token>/<method> like api.telegram.org: real long polling in
// getUpdates (timeout, offset confirmation, allowed_updates, and the 409
// conflict when a second poller or a webhook is active), webhook delivery
// with the secret-token header and redelivery until the bot answers 2xx,
// JSON, form and multipart bodies, Telegram's HTML parse mode with its
// "can't parse entities" errors, and Telegram's error envelope
// ({"ok":false,"error_code":429,"description":"Too Many Requests: retry
// after 3","parameters":{"retry_after":3}}).
//
// A test starts a server, points the bot at URL() as its API root, plays
// users with the Bot's Send* helpers, and reads what the bot sent with
// NextSent or WaitSent:
//
//	srv := telegram.NewServer()
//	defer srv.Close()
//	bot := srv.Bot()
//	alice := telegram.User{ID: 1001, FirstName: "Alice", Username: "alice"}
//	bot.SendPrivate(alice, "hello")
//	reply, err := bot.NextSent(ctx)
//
// Faults are injected per bot: RateLimitSends, FailMethod, RejectEntities,
// RevokeToken, DropLongPolls and AddFault for anything else.
//
// Deviations from the real service, on purpose: webhook URLs may be plain
// http on loopback, URLs given to sendPhoto/sendDocument are recorded but
// not fetched, and the MarkdownV2 parse mode is not validated.
package telegram
