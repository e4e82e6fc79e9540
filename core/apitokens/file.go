package apitokens

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseLifetime reads a token lifetime such as "30d", "12h", "90m", "2w"
// or "1y"; "never" and "0" mean no expiry.
func ParseLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "never" || s == "0" {
		return 0, nil
	}
	if len(s) < 2 {
		return 0, fmt.Errorf("lifetime %q: want a number and a unit (s, m, h, d, w, y), e.g. 30d, or \"never\"", s)
	}
	unit := map[byte]time.Duration{
		's': time.Second, 'm': time.Minute, 'h': time.Hour,
		'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'y': 365 * 24 * time.Hour,
	}[s[len(s)-1]]
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if unit == 0 || err != nil || n <= 0 {
		return 0, fmt.Errorf("lifetime %q: want a positive number and a unit (s, m, h, d, w, y), e.g. 30d, or \"never\"", s)
	}
	if n > int64(100*365*24*time.Hour/unit) {
		return 0, fmt.Errorf("lifetime %q is longer than 100 years", s)
	}
	return time.Duration(n) * unit, nil
}
