//go:build windows

package sessions

func isUnsupportedSync(err error) bool { return err != nil }
