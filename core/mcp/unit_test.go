package mcp

import (
	"strings"
	"testing"
)

func TestServerPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"docs", "docs"},
		{"Outlook Graph", "outlook-graph"},
		{"vigil-harbor", "vigil-harbor"},
		{"12306", "mcp-12306"},
		{"_private", "mcp-_private"},
		{"", "mcp"},
		{"team/docs v2", "team-docs-v2"},
		{strings.Repeat("a", 40), strings.Repeat("a", 30)},
	}
	for _, tt := range tests {
		if got := serverPrefix(tt.in); got != tt.want {
			t.Errorf("serverPrefix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPrefixCollisions(t *testing.T) {
	got := prefixes([]string{"Docs", "docs", "do cs", "do/cs"})
	want := map[string]string{"Docs": "docs", "docs": "docs-2", "do cs": "do-cs", "do/cs": "do-cs-2"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("prefix of %q = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

func TestToolNames(t *testing.T) {
	long := strings.Repeat("x", 80)
	got := toolNames("srv", []string{"read.file", "read/file", "search", long, long + "y"})
	tests := map[string]string{
		"search":    "srv__search",
		"read.file": "srv__read-file",
		"read/file": "srv__read-file-2",
	}
	for remote, want := range tests {
		if got[remote] != want {
			t.Errorf("toolNames[%q] = %q, want %q", remote, got[remote], want)
		}
	}
	if a, b := got[long], got[long+"y"]; len(a) != 64 || len(b) != 64 || a == b {
		t.Errorf("long names not capped and unique: %q %q", a, b)
	}
}

func TestToolFilter(t *testing.T) {
	tests := []struct {
		filter ToolFilter
		name   string
		keep   bool
	}{
		{ToolFilter{}, "anything", true},
		{ToolFilter{Include: []string{"search", "read_*"}}, "read_file", true},
		{ToolFilter{Include: []string{"search", "read_*"}}, "write_file", false},
		{ToolFilter{Exclude: []string{"admin_*"}}, "admin_reset", false},
		{ToolFilter{Include: []string{"*"}, Exclude: []string{"*_reset"}}, "admin_reset", false},
		{ToolFilter{Include: []string{"*file*"}}, "get_file_info", true},
	}
	for _, tt := range tests {
		if got := tt.filter.keep(tt.name); got != tt.keep {
			t.Errorf("%+v.keep(%q) = %v, want %v", tt.filter, tt.name, got, tt.keep)
		}
	}
}

func TestTransportKind(t *testing.T) {
	tests := []struct {
		cfg     ServerConfig
		want    string
		wantErr string
	}{
		{ServerConfig{Command: "node"}, TransportStdio, ""},
		{ServerConfig{URL: "https://x/mcp"}, TransportSSE, ""},
		{ServerConfig{URL: "https://x/mcp", Transport: "streamable-http"}, TransportStreamable, ""},
		{ServerConfig{URL: "https://x/mcp", Type: "http"}, TransportStreamable, ""},
		{ServerConfig{Command: "node", URL: "https://x"}, "", "not both"},
		{ServerConfig{}, "", "needs a command"},
		{ServerConfig{Transport: "stdio", URL: "https://x"}, "", `"stdio" needs a non-empty command`},
		{ServerConfig{Transport: "sse", Command: "x"}, "", "needs a url"},
		{ServerConfig{Transport: "websocket", URL: "https://x"}, "", "not stdio"},
	}
	for _, tt := range tests {
		got, err := tt.cfg.TransportKind()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v: err = %v, want %q", tt.cfg, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%+v: got %q, %v; want %q", tt.cfg, got, err, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	off := false
	cfg := Config{Servers: map[string]ServerConfig{
		"good":      {Command: "node", Args: []string{"x.js"}},
		"ftp":       {URL: "ftp://example.com"},
		"nohost":    {URL: "https:///mcp", Transport: "streamable-http"},
		"oauth":     {URL: "https://example.com/mcp", Auth: "oauth"},
		"halfcert":  {URL: "https://example.com/mcp", ClientCert: "a.crt"},
		"__proto__": {Command: "x"},
		"parked":    {Enabled: &off},
	}}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate accepted bad servers")
	}
	for _, want := range []string{
		"mcp.servers.ftp.url: scheme \"ftp\"", "mcp.servers.nohost.url: no host", "mcp.servers.oauth.auth",
		"mcp.servers.halfcert: clientCert and clientKey", "mcp.servers.__proto__: the name __proto__ is reserved",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, unwanted := range []string{"mcp.servers.good", "mcp.servers.parked"} {
		if strings.Contains(err.Error(), unwanted) {
			t.Errorf("error mentions %s:\n%v", unwanted, err)
		}
	}
}

func TestServerEnv(t *testing.T) {
	base := []string{"PATH=/bin", "HOME=/root", "GITHUB_TOKEN=old"}
	env, dropped := serverEnv(base, map[string]string{
		"GITHUB_TOKEN": "new", "API_KEY": "k", "NODE_OPTIONS": "--require evil.js", "LD_PRELOAD": "x.so",
		"BASH_FUNC_ls%%": "() { :; }", "AWS_ACCESS_KEY_ID": "id", "AWS_CONFIG_FILE": "/tmp/c", "node_options": "x",
	})
	got := strings.Join(env, " ")
	for _, want := range []string{"PATH=/bin", "HOME=/root", "GITHUB_TOKEN=new", "API_KEY=k", "AWS_ACCESS_KEY_ID=id"} {
		if !strings.Contains(got, want) {
			t.Errorf("env lacks %s: %v", want, env)
		}
	}
	for _, bad := range []string{"GITHUB_TOKEN=old", "NODE_OPTIONS", "LD_PRELOAD", "BASH_FUNC", "AWS_CONFIG_FILE", "node_options"} {
		if strings.Contains(got, bad) {
			t.Errorf("env has %s: %v", bad, env)
		}
	}
	if strings.Join(dropped, ",") != "AWS_CONFIG_FILE,BASH_FUNC_ls%%,LD_PRELOAD,NODE_OPTIONS,node_options" {
		t.Errorf("dropped = %v", dropped)
	}
}

func TestRedactURL(t *testing.T) {
	if got := redactURL("https://user:pw@example.com/mcp?token=abc"); strings.Contains(got, "pw") || strings.Contains(got, "abc") {
		t.Errorf("redactURL kept a secret: %s", got)
	}
}
