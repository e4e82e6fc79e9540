package constraint

import (
	"testing"

	version "github.com/hashicorp/go-version"
)

func TestParse(t *testing.T) {
	tests := []struct {
		rng    string
		goText string
		match  []string
		reject []string
	}{
		{"", ">= 0.0.0", []string{"0.0.1", "1.0.0", "9.9.9"}, []string{"2.0.0-beta.1"}},
		{"latest", ">= 0.0.0", []string{"1.0.0"}, nil},
		{"1.4.2", "= 1.4.2", []string{"1.4.2"}, []string{"1.4.3", "1.4.1"}},
		{"=1.4.2", "= 1.4.2", []string{"1.4.2"}, []string{"1.4.3"}},
		{"v1.4.2", "= 1.4.2", []string{"1.4.2"}, []string{"1.5.0"}},
		{"^1.4", ">= 1.4.0, < 2.0.0", []string{"1.4.0", "1.9.9"}, []string{"1.3.9", "2.0.0", "2.0.0-rc.1"}},
		{"^1.4.2", ">= 1.4.2, < 2.0.0", []string{"1.4.2", "1.5.0"}, []string{"1.4.1"}},
		{"^0.4", ">= 0.4.0, < 0.5.0", []string{"0.4.7"}, []string{"0.5.0", "0.3.9"}},
		{"^0.0.3", ">= 0.0.3, < 0.0.4", []string{"0.0.3"}, []string{"0.0.4"}},
		{"^1", ">= 1.0.0, < 2.0.0", []string{"1.0.0", "1.99.0"}, []string{"2.0.0"}},
		{"~1.4", ">= 1.4.0, < 1.5.0", []string{"1.4.0", "1.4.9"}, []string{"1.5.0"}},
		{"~1.4.2", ">= 1.4.2, < 1.5.0", []string{"1.4.5"}, []string{"1.4.1", "1.5.0"}},
		{"~1", ">= 1.0.0, < 2.0.0", []string{"1.8.0"}, []string{"2.0.0"}},
		{">=1.2, <2", ">= 1.2, < 2", []string{"1.2.0", "1.9.0"}, []string{"1.1.9", "2.0.0"}},
		{">= 1.2 < 2", ">= 1.2, < 2", []string{"1.5.0"}, []string{"2.1.0"}},
		{"1.x", ">= 1.0.0, < 2.0.0", []string{"1.2.3"}, []string{"2.0.0"}},
		{"1.4.*", ">= 1.4.0, < 1.5.0", []string{"1.4.3"}, []string{"1.5.0"}},
		{"^1.2 || ^3", ">= 1.2.0, < 2.0.0 || >= 3.0.0, < 4.0.0", []string{"1.3.0", "3.1.0"}, []string{"2.5.0"}},
		{"~> 1.2", "~> 1.2", []string{"1.9.0"}, []string{"2.0.0"}},
		{"1.0.0-beta.2", "= 1.0.0-beta.2", []string{"1.0.0-beta.2"}, []string{"1.0.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			r, err := Parse(tt.rng)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := r.GoVersion(); got != tt.goText {
				t.Errorf("GoVersion() = %q, want %q", got, tt.goText)
			}
			for _, v := range tt.match {
				if !r.Check(version.Must(version.NewVersion(v))) {
					t.Errorf("%s should match %s", tt.rng, v)
				}
			}
			for _, v := range tt.reject {
				if r.Check(version.Must(version.NewVersion(v))) {
					t.Errorf("%s should not match %s", tt.rng, v)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{"^abc", "~1.2.3.4", ">=nope", "1.2-beta", "^", "1.x-beta"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", bad)
		}
	}
}

func TestExact(t *testing.T) {
	tests := []struct {
		rng  string
		want string
		ok   bool
	}{
		{"1.2.3", "1.2.3", true},
		{"^1.2.3", "", false},
		{"", "", false},
		{"!=1.2.3", "", false},
	}
	for _, tt := range tests {
		r, err := Parse(tt.rng)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := r.Exact()
		if got != tt.want || ok != tt.ok {
			t.Errorf("Exact(%q) = %q, %v; want %q, %v", tt.rng, got, ok, tt.want, tt.ok)
		}
	}
}
