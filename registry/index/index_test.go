package index

import (
	"strings"
	"testing"
)

func validPackage() *Package {
	return &Package{Format: 1, Name: "@t/echo", Kind: KindPlugin, Versions: []Version{{
		Version: "1.0.0", ID: "echo", Protocols: []int{1},
		Platforms: map[string]Artifact{"linux/amd64": {URL: "1.0.0/echo.tar.gz", Size: 10, SHA256: strings.Repeat("a", 64), ExecutableSHA256: strings.Repeat("b", 64)}},
	}}}
}

func TestValidate(t *testing.T) {
	if err := validPackage().Validate(); err != nil {
		t.Fatalf("valid package: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(*Package)
		want   string
	}{
		{"future format", func(p *Package) { p.Format = 2 }, "format"},
		{"bad name", func(p *Package) { p.Name = "@T/x" }, "package name"},
		{"bad kind", func(p *Package) { p.Kind = "theme" }, "kind"},
		{"bad version", func(p *Package) { p.Versions[0].Version = "one" }, "semantic version"},
		{"duplicate", func(p *Package) { p.Versions = append(p.Versions, p.Versions[0]) }, "listed twice"},
		{"no protocols", func(p *Package) { p.Versions[0].Protocols = nil }, "protocols"},
		{"bad platform", func(p *Package) {
			p.Versions[0].Platforms["linux_amd64"] = p.Versions[0].Platforms["linux/amd64"]
		}, "invalid platform"},
		{"url escapes", func(p *Package) {
			a := p.Versions[0].Platforms["linux/amd64"]
			a.URL = "../../other/x.tar.gz"
			p.Versions[0].Platforms["linux/amd64"] = a
		}, "must not leave"},
		{"file url", func(p *Package) {
			a := p.Versions[0].Platforms["linux/amd64"]
			a.URL = "file:///etc/passwd"
			p.Versions[0].Platforms["linux/amd64"] = a
		}, "only http and https"},
		{"bad sha", func(p *Package) {
			a := p.Versions[0].Platforms["linux/amd64"]
			a.SHA256 = "xyz"
			p.Versions[0].Platforms["linux/amd64"] = a
		}, "not a hex SHA-256"},
		{"gateway", func(p *Package) { p.Versions[0].Gateway = ">>1" }, "gateway"},
	}
	for _, tt := range tests {
		p := validPackage()
		tt.mutate(p)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestSums(t *testing.T) {
	s := Sums{"b.tar.gz": strings.Repeat("1", 64), "index.json": strings.Repeat("2", 64)}
	back, err := ParseSums(s.Bytes())
	if err != nil || len(back) != 2 || back["b.tar.gz"] != s["b.tar.gz"] {
		t.Fatalf("round trip: %v %v", back, err)
	}
	for _, bad := range []string{"abc  x\n", strings.Repeat("1", 64) + " x\n", strings.Repeat("1", 64) + "  x\n" + strings.Repeat("2", 64) + "  x\n"} {
		if _, err := ParseSums([]byte(bad)); err == nil {
			t.Errorf("ParseSums(%q) succeeded", bad)
		}
	}
}

func TestSortVersions(t *testing.T) {
	p := &Package{Versions: []Version{{Version: "1.2.0"}, {Version: "1.10.0"}, {Version: "1.10.0-rc.1"}, {Version: "0.9.0"}}}
	p.SortVersions()
	var got []string
	for _, v := range p.Versions {
		got = append(got, v.Version)
	}
	if strings.Join(got, " ") != "1.10.0 1.10.0-rc.1 1.2.0 0.9.0" {
		t.Errorf("order = %v", got)
	}
}
