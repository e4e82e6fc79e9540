// Package sessions keeps conversations: the session key each inbound
// message maps to, and per agent a sessions.json index (key → current
// session id and its metadata) beside one append-only JSONL transcript per
// session id, under <stateDir>/agents/<agentId>/sessions/.
//
// Keys and transcript lines have OpenClaw's shapes, so state moves between
// the two implementations. Durability rules: a transcript line is written
// with one write call and synced before Append returns; an unterminated last
// line (a crash mid-write) is ignored by readers and cut off by the next
// writer; sessions.json is only ever replaced by an atomic rename. Session
// starts, resets, deletions and metadata updates reach sessions.json before
// the call returns; counters that change on every message (updatedAt,
// tokens) are written within Options.IndexFlushDelay, and at Close.
package sessions
