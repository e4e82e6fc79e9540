package remote

import (
	"path/filepath"
	"testing"
)

func TestParseLocation(t *testing.T) {
	abs, _ := filepath.Abs("reg")
	tests := map[string]string{
		"https://r.example/x":   "https://r.example/x/",
		"http://127.0.0.1:8080": "http://127.0.0.1:8080/",
		"file:///srv/reg":       "file:///srv/reg/",
		"reg":                   "file://" + filepath.ToSlash(abs) + "/",
	}
	for in, want := range tests {
		u, err := ParseLocation(in)
		if err != nil || u.String() != want {
			t.Errorf("ParseLocation(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, bad := range []string{"", "ftp://x/", "file://remote-host/x"} {
		if _, err := ParseLocation(bad); err == nil {
			t.Errorf("ParseLocation(%q) succeeded", bad)
		}
	}
}
