package skillsource

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/openclaw-go/openclaw/core/gateway/backend"
	"github.com/openclaw-go/openclaw/core/pluginhost"
	"github.com/openclaw-go/openclaw/core/skills"
	pluginv1 "github.com/openclaw-go/openclaw/proto/openclaw/plugin/v1"
)

// fakePlugin serves skills over real gRPC in-process.
type fakePlugin struct {
	pluginv1.UnimplementedSkillServiceServer
	mu      sync.Mutex
	skills  []*pluginv1.Skill
	lists   int
	running *pluginhost.Running
	srv     *grpc.Server
}

func newFakePlugin(t *testing.T, id string, pid int, list ...*pluginv1.Skill) *fakePlugin {
	t.Helper()
	p := &fakePlugin{skills: list}
	lis := bufconn.Listen(1 << 20)
	p.srv = grpc.NewServer()
	pluginv1.RegisterSkillServiceServer(p.srv, p)
	go func() { _ = p.srv.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///"+id,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.srv.Stop(); _ = conn.Close() })
	p.running = &pluginhost.Running{
		ID: id, Metadata: &pluginv1.GetMetadataResponse{Id: id, Kinds: []string{"skill", "tool"}},
		Skill: pluginv1.NewSkillServiceClient(conn), Pid: pid, Started: time.Unix(int64(pid), 0),
	}
	return p
}

func (p *fakePlugin) ListSkills(context.Context, *pluginv1.ListSkillsRequest) (*pluginv1.ListSkillsResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lists++
	return &pluginv1.ListSkillsResponse{Skills: p.skills}, nil
}

func (p *fakePlugin) listCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lists
}

// plugins is a changeable PluginSource.
type plugins struct {
	mu  sync.Mutex
	run []*pluginhost.Running
}

func (ps *plugins) set(ps2 ...*fakePlugin) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.run = nil
	for _, p := range ps2 {
		ps.run = append(ps.run, p.running)
	}
}

func (ps *plugins) Running() []*pluginhost.Running {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]*pluginhost.Running(nil), ps.run...)
}

func skillMD(name, desc, extra string) string {
	return "---\nname: " + name + "\ndescription: " + desc + "\n" + extra + "---\n\n# " + name + "\n\nInstructions.\n"
}

func mkSkill(t *testing.T, root, name, desc, extra string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, skills.FileName), []byte(skillMD(name, desc, extra)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

type layout struct {
	state, workspace, bundled, extra string
}

func newLayout(t *testing.T) layout {
	base := t.TempDir()
	l := layout{
		state: filepath.Join(base, "state"), workspace: filepath.Join(base, "workspace"),
		bundled: filepath.Join(base, "bundled"), extra: filepath.Join(base, "extra"),
	}
	mkSkill(t, filepath.Join(l.workspace, "skills"), "shared", "from workspace", "")
	mkSkill(t, filepath.Join(l.state, "skills"), "shared", "from managed", "")
	mkSkill(t, filepath.Join(l.state, "skills"), "managed-only", "managed skill", "")
	mkSkill(t, l.bundled, "bundled-only", "bundled skill", "")
	mkSkill(t, l.bundled, "plugin-clash", "bundled beats plugin", "")
	mkSkill(t, l.extra, "extra-only", "extra dir skill", "")
	mkSkill(t, l.extra, "digest", "extra loses to plugin", "")
	return l
}

func newSource(t *testing.T, l layout, ps PluginSource, mutate func(*Options)) *Source {
	t.Helper()
	opts := Options{
		StateDir: l.state, BundledDir: l.bundled, Plugins: ps,
		Config: skills.Config{Load: skills.LoadConfig{ExtraDirs: []string{l.extra}}},
		Env:    skills.Env{GOOS: "linux", LookPath: func(string) (string, error) { return "", errors.New("no") }, Getenv: func(string) string { return "" }},
	}
	if mutate != nil {
		mutate(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func byName(sn *Snapshot) map[string]Entry {
	out := map[string]Entry{}
	for _, e := range sn.Entries {
		out[e.Name] = e
	}
	return out
}

func TestResolveMergesLocationsAndPlugins(t *testing.T) {
	l := newLayout(t)
	p := newFakePlugin(t, "skills-core", 100,
		&pluginv1.Skill{Name: "digest", SkillMd: skillMD("digest", "from plugin", ""), Files: map[string][]byte{"templates/daily.md": []byte("# {date}\n")}, RequiredTools: []string{"sessions_list"}},
		&pluginv1.Skill{Name: "plugin-clash", SkillMd: skillMD("plugin-clash", "plugin loses", "")},
	)
	ps := &plugins{}
	ps.set(p)
	s := newSource(t, l, ps, nil)
	snap, err := s.Resolve(t.Context(), Request{AgentID: "main", Workspace: l.workspace})
	if err != nil {
		t.Fatal(err)
	}
	got := byName(snap)
	want := map[string]struct{ desc, source string }{
		"shared":       {"from workspace", "workspace"},
		"managed-only": {"managed skill", "managed"},
		"bundled-only": {"bundled skill", "bundled"},
		"plugin-clash": {"bundled beats plugin", "bundled"},
		"extra-only":   {"extra dir skill", "extra"},
		"digest":       {"from plugin", SourcePlugin},
	}
	if len(got) != len(want) {
		t.Errorf("entries = %v", got)
	}
	for name, w := range want {
		e := got[name]
		if e.Description != w.desc || e.Source != w.source {
			t.Errorf("%s: %q from %s; want %q from %s", name, e.Description, e.Source, w.desc, w.source)
		}
	}
	d := got["digest"]
	if d.Plugin != "skills-core" || len(d.RequiredTools) != 1 || !d.Usable() {
		t.Errorf("digest entry = %+v", d)
	}
	if want := filepath.Join(l.state, PluginSkillsDir, "skills-core", "digest", "SKILL.md"); d.Location != want {
		t.Errorf("location = %s, want %s", d.Location, want)
	}
	if data, err := os.ReadFile(filepath.Join(d.Dir, "templates", "daily.md")); err != nil || string(data) != "# {date}\n" {
		t.Errorf("plugin file not written: %q, %v", data, err)
	}
	if len(snap.Shadowed) != 3 {
		t.Errorf("shadowed = %+v", snap.Shadowed)
	}
	if _, err := s.Resolve(t.Context(), Request{Workspace: l.workspace}); err != nil {
		t.Fatal(err)
	}
	if p.listCount() != 1 {
		t.Errorf("ListSkills called %d times; want once per plugin start", p.listCount())
	}
}

func TestVerdicts(t *testing.T) {
	l := newLayout(t)
	mkSkill(t, filepath.Join(l.workspace, "skills"), "needs-bin", "needs a binary", "metadata: {\"openclaw\": {\"requires\": {\"bins\": [\"gh\"]}}}\n")
	mkSkill(t, filepath.Join(l.workspace, "skills"), "needs-env", "needs env", "metadata: {\"openclaw\": {\"requires\": {\"env\": [\"IMG_KEY\"]}, \"primaryEnv\": \"IMG_KEY\"}}\n")
	mkSkill(t, filepath.Join(l.workspace, "skills"), "hidden", "model cannot pick it", "disable-model-invocation: true\n")
	mkSkill(t, filepath.Join(l.workspace, "skills"), "private", "users cannot call it", "user-invocable: false\n")
	off := false
	p := newFakePlugin(t, "web", 7, &pluginv1.Skill{Name: "summarize-url", SkillMd: skillMD("summarize-url", "needs web_fetch", ""), RequiredTools: []string{"web_fetch"}})
	ps := &plugins{}
	ps.set(p)
	tests := []struct {
		name     string
		mutate   func(*Options)
		req      Request
		usable   []string
		unusable map[string]string // name → reason fragment
	}{
		{
			name:     "defaults",
			req:      Request{Workspace: l.workspace},
			usable:   []string{"bundled-only", "digest", "extra-only", "hidden", "managed-only", "plugin-clash", "private", "shared", "summarize-url"},
			unusable: map[string]string{"needs-bin": "missing binaries: gh", "needs-env": "missing environment variables: IMG_KEY"},
		},
		{
			name: "config satisfies, disables and limits bundled",
			mutate: func(o *Options) {
				o.Config.Entries = map[string]skills.EntryConfig{"needs-env": {APIKey: json.RawMessage(`"k-123"`)}, "shared": {Enabled: &off}}
				o.Config.AllowBundled = []string{"plugin-clash"}
				o.Env.LookPath = func(string) (string, error) { return "/usr/bin/gh", nil }
			},
			req:      Request{Workspace: l.workspace},
			usable:   []string{"needs-bin", "needs-env", "plugin-clash"},
			unusable: map[string]string{"shared": "disabled in config", "bundled-only": "skills.allowBundled"},
		},
		{
			name:     "plugin skill without its tool",
			mutate:   func(o *Options) { o.ToolAvailable = func(name string) bool { return name != "web_fetch" } },
			req:      Request{Workspace: l.workspace},
			unusable: map[string]string{"summarize-url": "needs tools that are not available: web_fetch"},
		},
		{
			name: "agent allowlist",
			mutate: func(o *Options) {
				o.AgentSkills = func(id string) []string { return map[string][]string{"work": {"shared"}}[id] }
			},
			req:      Request{AgentID: "work", Workspace: l.workspace},
			usable:   []string{"shared"},
			unusable: map[string]string{"managed-only": "agents.*.skills", "summarize-url": "agents.*.skills"},
		},
		{
			name:     "channel filter",
			req:      Request{Workspace: l.workspace, ChannelSkills: []string{"Managed-Only", "summarize-url"}},
			usable:   []string{"managed-only", "summarize-url"},
			unusable: map[string]string{"shared": "channel's or group's skills list"},
		},
		{
			name:     "empty channel filter allows none",
			req:      Request{Workspace: l.workspace, ChannelSkills: []string{}},
			unusable: map[string]string{"shared": "channel's", "summarize-url": "channel's"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSource(t, l, ps, tt.mutate)
			snap, err := s.Resolve(t.Context(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			got := byName(snap)
			for _, n := range tt.usable {
				if !got[n].Usable() {
					t.Errorf("%s not usable: %+v", n, got[n])
				}
			}
			for n, why := range tt.unusable {
				e := got[n]
				if e.Usable() || !strings.Contains(strings.Join(e.Reasons, "; "), why) {
					t.Errorf("%s: usable=%v reasons=%v; want unusable because %q", n, e.Usable(), e.Reasons, why)
				}
			}
		})
	}
}

func TestPromptAndEligibleSkills(t *testing.T) {
	l := newLayout(t)
	mkSkill(t, filepath.Join(l.workspace, "skills"), "hidden", "model cannot pick it", "disable-model-invocation: true\n")
	mkSkill(t, filepath.Join(l.workspace, "skills"), "needs-bin", "needs a binary", "metadata: {\"openclaw\": {\"requires\": {\"bins\": [\"gh\"]}}}\n")
	s := newSource(t, l, nil, func(o *Options) {
		o.AgentSkills = func(string) []string { return []string{"shared", "hidden", "needs-bin"} }
	})
	snap, err := s.Resolve(t.Context(), Request{Workspace: l.workspace})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sk := range snap.Prompt() {
		names = append(names, sk.Name)
	}
	if got := strings.Join(names, ","); got != "shared" {
		t.Errorf("prompt = %s; want only shared (hidden is not model-invocable, needs-bin not eligible, the rest not allowed)", got)
	}
	// EligibleSkills leaves the allowlists to the agent.
	all, err := s.EligibleSkills(t.Context(), "main", l.workspace)
	if err != nil {
		t.Fatal(err)
	}
	names = nil
	for _, sk := range all {
		names = append(names, sk.Name)
		if !strings.HasSuffix(sk.Location, "SKILL.md") {
			t.Errorf("%s location %s", sk.Name, sk.Location)
		}
	}
	if got := strings.Join(names, ","); got != "bundled-only,digest,extra-only,managed-only,plugin-clash,shared" {
		t.Errorf("EligibleSkills = %s", got)
	}
}

func TestReferences(t *testing.T) {
	l := newLayout(t)
	mkSkill(t, filepath.Join(l.workspace, "skills"), "hidden", "model cannot pick it", "disable-model-invocation: true\n")
	mkSkill(t, filepath.Join(l.workspace, "skills"), "private", "users cannot call it", "user-invocable: false\n")
	mkSkill(t, filepath.Join(l.workspace, "skills"), "needs-bin", "needs a binary", "metadata: {\"openclaw\": {\"requires\": {\"bins\": [\"gh\"]}}}\n")
	for i := 0; i < 9; i++ {
		mkSkill(t, filepath.Join(l.workspace, "skills"), "s"+string(rune('a'+i)), "filler", "")
	}
	s := newSource(t, l, nil, nil)
	snap, err := s.Resolve(t.Context(), Request{Workspace: l.workspace, ChannelSkills: []string{"shared", "hidden", "private", "needs-bin", "sa", "sb", "sc", "sd", "se", "sf", "sg", "sh", "si"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text    string
		want    string // referenced names
		wantErr string
	}{
		{text: "Use $shared to sort this out.", want: "shared"},
		{text: "$shared and @hidden, then $shared again", want: "shared,hidden"},
		{text: "costs $5, see $HOME and $PATH, mail bob@shared.example", want: ""},
		{text: `keep \$shared literal`, want: ""},
		{text: "ask @alice and @shared", want: "shared"},
		{text: "hey @managed-only", want: ""},
		{text: "use $managed-only", wantErr: "$managed-only is not available here: not in this channel's or group's skills list"},
		{text: "use $needs-bin", wantErr: "missing binaries: gh"},
		{text: "use $private", wantErr: "user-invocable: false"},
		{text: "$sa $sb $sc $sd $se $sf $sg $sh $si", wantErr: "at most 8 skills"},
		{text: "trailing punctuation: $shared.", want: "shared"},
	}
	for _, tt := range tests {
		inv, err := snap.References(tt.text)
		if tt.wantErr != "" {
			var re *ReferenceError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err = %v, want %q", tt.text, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		var names []string
		for _, e := range inv.Skills {
			names = append(names, e.Name)
			if !strings.Contains(inv.Instruction, e.Location) {
				t.Errorf("%q: instruction lacks %s:\n%s", tt.text, e.Location, inv.Instruction)
			}
		}
		if got := strings.Join(names, ","); got != tt.want {
			t.Errorf("%q: referenced %q, want %q", tt.text, got, tt.want)
		}
		if (inv.Instruction == "") != (tt.want == "") {
			t.Errorf("%q: instruction %q", tt.text, inv.Instruction)
		}
	}
}

func TestEnv(t *testing.T) {
	l := newLayout(t)
	mkSkill(t, filepath.Join(l.workspace, "skills"), "image-lab", "images", "metadata: {\"openclaw\": {\"primaryEnv\": \"GEMINI_API_KEY\"}}\n")
	mkSkill(t, filepath.Join(l.workspace, "skills"), "ref-key", "key by ref", "metadata: {\"openclaw\": {\"primaryEnv\": \"REF_KEY\"}}\n")
	mkSkill(t, filepath.Join(l.workspace, "skills"), "vault-key", "key from a vault", "metadata: {\"openclaw\": {\"primaryEnv\": \"VAULT_KEY\"}}\n")
	off := false
	s := newSource(t, l, nil, func(o *Options) {
		o.Env.Getenv = func(k string) string {
			return map[string]string{"HOST_SET": "host", "SOURCE_OF_REF": "from-env-ref"}[k]
		}
		o.Config.Entries = map[string]skills.EntryConfig{
			"image-lab": {APIKey: json.RawMessage(`"plain-key"`), Env: map[string]string{"HOST_SET": "ignored", "LAB_MODE": "fast"}},
			"ref-key":   {APIKey: json.RawMessage(`{"source":"env","provider":"default","id":"SOURCE_OF_REF"}`)},
			"vault-key": {APIKey: json.RawMessage(`{"source":"vault","id":"x"}`)},
			"shared":    {Enabled: &off, Env: map[string]string{"DISABLED_SKILL_VAR": "x"}},
		}
	})
	snap, err := s.Resolve(t.Context(), Request{Workspace: l.workspace})
	if err != nil {
		t.Fatal(err)
	}
	env, unresolved := snap.Env()
	want := map[string]string{"GEMINI_API_KEY": "plain-key", "LAB_MODE": "fast", "REF_KEY": "from-env-ref"}
	if len(env) != len(want) {
		t.Errorf("env = %v, want %v", env, want)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env[%s] = %q, want %q", k, env[k], v)
		}
	}
	if len(unresolved) != 1 || unresolved[0] != "skills.entries.vault-key.apiKey" {
		t.Errorf("unresolved = %v", unresolved)
	}
}

func TestPluginSkillsFollowThePluginProcess(t *testing.T) {
	l := newLayout(t)
	// A folder left by an earlier run is cleared.
	stale := filepath.Join(l.state, PluginSkillsDir, "gone", "old")
	mkSkill(t, filepath.Dir(stale), "old", "stale", "")
	ps := &plugins{}
	s := newSource(t, l, ps, nil)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale plugin skill kept: %v", err)
	}

	v1 := newFakePlugin(t, "notes", 1, &pluginv1.Skill{Name: "daily-notes", SkillMd: skillMD("daily-notes", "version one", "")})
	ps.set(v1)
	snap, _ := s.Resolve(t.Context(), Request{Workspace: l.workspace})
	if e := byName(snap)["daily-notes"]; e.Description != "version one" {
		t.Fatalf("v1 = %+v", e)
	}
	v2 := newFakePlugin(t, "notes", 2, &pluginv1.Skill{Name: "daily-notes", SkillMd: skillMD("daily-notes", "version two", "")})
	ps.set(v2)
	snap, _ = s.Resolve(t.Context(), Request{Workspace: l.workspace})
	if e := byName(snap)["daily-notes"]; e.Description != "version two" {
		t.Fatalf("after restart = %+v", e)
	}
	ps.set()
	snap, _ = s.Resolve(t.Context(), Request{Workspace: l.workspace})
	if _, ok := byName(snap)["daily-notes"]; ok {
		t.Fatal("a stopped plugin's skill is still offered")
	}
	if _, err := os.Stat(filepath.Join(l.state, PluginSkillsDir, "notes")); !os.IsNotExist(err) {
		t.Errorf("stopped plugin's folder kept: %v", err)
	}
}

func TestMaterialiseRefusesBadSkills(t *testing.T) {
	root := t.TempDir()
	list := []*pluginv1.Skill{
		{Name: "good", SkillMd: skillMD("good", "fine", ""), Files: map[string][]byte{"ref/notes.md": []byte("ok")}},
		{Name: "escape", SkillMd: skillMD("escape", "x", ""), Files: map[string][]byte{"../../outside.txt": []byte("x")}},
		{Name: "absolute", SkillMd: skillMD("absolute", "x", ""), Files: map[string][]byte{"/etc/evil": []byte("x")}},
		{Name: "override", SkillMd: skillMD("override", "x", ""), Files: map[string][]byte{"SKILL.md": []byte("x")}},
		{Name: "../up", SkillMd: skillMD("up", "x", "")},
		{Name: "mismatch", SkillMd: skillMD("other", "x", "")},
		{Name: "nofront", SkillMd: "just text"},
		{Name: "huge", SkillMd: skillMD("huge", "x", ""), Files: map[string][]byte{"big.bin": make([]byte, maxSkillFileSize+1)}},
		{Name: "good", SkillMd: skillMD("good", "second copy", "")},
	}
	dir, required, problems, err := materialise(root, "p", list)
	if err != nil {
		t.Fatal(err)
	}
	if len(required) != 1 || len(problems) != len(list)-1 {
		t.Fatalf("written %v, problems %v", required, problems)
	}
	for _, want := range []string{"escape", "absolute", "override", "../up", "mismatch", "nofront", "huge", "lists it twice"} {
		if !strings.Contains(errors.Join(problems...).Error(), want) {
			t.Errorf("no problem reported for %s: %v", want, problems)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "good" {
		t.Errorf("plugin folder holds %v", entries)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "good", "SKILL.md")); !strings.Contains(string(data), "fine") {
		t.Errorf("first copy of good was replaced: %s", data)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(root), "outside.txt")); !os.IsNotExist(err) {
		t.Error("a file escaped the skills folder")
	}
	leftovers, _ := filepath.Glob(filepath.Join(root, ".staging-*"))
	if len(leftovers) != 0 {
		t.Errorf("staging folders left: %v", leftovers)
	}
}

func TestStatus(t *testing.T) {
	l := newLayout(t)
	p := newFakePlugin(t, "skills-core", 3, &pluginv1.Skill{Name: "digest", SkillMd: skillMD("digest", "from plugin", "")})
	ps := &plugins{}
	ps.set(p)
	s := newSource(t, l, ps, func(o *Options) {
		o.Workspace = func(string) (string, error) { return l.workspace, nil }
		o.AgentSkills = func(string) []string { return []string{"digest", "shared"} }
	})
	var _ backend.Skills = s
	rep, err := s.Status(t.Context(), backend.SkillQuery{AgentID: "main"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]backend.SkillInfo{}
	for _, si := range rep.Skills {
		got[si.Name] = si
	}
	if d := got["digest"]; !d.Eligible || d.Source != SourcePlugin {
		t.Errorf("digest = %+v", d)
	}
	if m := got["managed-only"]; m.Eligible || len(m.Missing) == 0 {
		t.Errorf("managed-only = %+v", m)
	}
	if rep.WorkspaceDir != l.workspace {
		t.Errorf("workspace = %s", rep.WorkspaceDir)
	}
}

func BenchmarkResolve(b *testing.B) {
	base := b.TempDir()
	for i := 0; i < 50; i++ {
		dir := filepath.Join(base, "workspace", "skills", "skill-"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, "SKILL.md"), []byte(skillMD(filepath.Base(dir), "bench", "metadata: {\"openclaw\": {\"requires\": {\"env\": [\"X\"]}}}\n")), 0o644)
	}
	s, err := New(Options{StateDir: filepath.Join(base, "state"), Env: skills.Env{Getenv: func(string) string { return "1" }}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		snap, err := s.Resolve(ctx, Request{Workspace: filepath.Join(base, "workspace")})
		if err != nil || len(snap.Entries) != 50 {
			b.Fatalf("%v %d", err, len(snap.Entries))
		}
	}
}

// TestFirstPartySkillsLoad checks that the skills the skills-core plugin
// ships parse and load as the gateway will load them.
func TestFirstPartySkillsLoad(t *testing.T) {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "..", "..", "plugins", "skills-core", "skills")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	var list []*pluginv1.Skill
	for _, e := range entries {
		md, err := os.ReadFile(filepath.Join(root, e.Name(), skills.FileName))
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, &pluginv1.Skill{Name: e.Name(), SkillMd: string(md)})
	}
	if len(list) < 2 {
		t.Fatalf("found %d skills in %s", len(list), root)
	}
	_, required, problems, err := materialise(t.TempDir(), "skills-core", list)
	if err != nil || len(problems) > 0 || len(required) != len(list) {
		t.Fatalf("materialise: %v %v", err, problems)
	}
}
