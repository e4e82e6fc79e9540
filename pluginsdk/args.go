package pluginsdk

import (
	"fmt"
	"strconv"
	"strings"
)

// Number is a numeric tool argument. Models send numbers both as JSON
// numbers and as strings ("30"); both decode. Set is false when the
// argument was absent or null.
type Number struct {
	Set   bool
	Value float64
}

// UnmarshalJSON accepts 30, 30.5, "30" and null.
func (n *Number) UnmarshalJSON(b []byte) error {
	f, ok, err := parseNumber(b)
	if err != nil {
		return err
	}
	n.Set, n.Value = ok, f
	return nil
}

// Int is a whole-number tool argument, decoded like Number.
type Int struct {
	Set   bool
	Value int64
}

// UnmarshalJSON accepts 30, "30" and null, and refuses 30.5.
func (n *Int) UnmarshalJSON(b []byte) error {
	f, ok, err := parseNumber(b)
	if err != nil {
		return err
	}
	if ok && f != float64(int64(f)) {
		return fmt.Errorf("%s is not a whole number", string(b))
	}
	n.Set, n.Value = ok, int64(f)
	return nil
}

func parseNumber(b []byte) (float64, bool, error) {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s is not a number", string(b))
	}
	return f, true, nil
}
