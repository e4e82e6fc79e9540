package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/platform"
	"github.com/openclaw-go/openclaw/registry/remote"
	"github.com/openclaw-go/openclaw/registry/signing"
)

var ctx = context.Background()

func TestInstallFromHTTPRegistry(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.2.0"})
	e := newEnv(t, []string{reg.serve()}, reg.trustedKey())

	res, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo@^1.2"})
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	if res.Version != "1.2.0" || !res.Enabled || res.ID != "echo" {
		t.Fatalf("result = %+v", res)
	}
	dir := filepath.Join(e.state, "plugins", "@test", "echo", "1.2.0")
	m, err := manifest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(m.ExecutablePath(dir))
	if !strings.Contains(string(body), "linux/amd64") {
		t.Errorf("installed the wrong platform's build: %q", body)
	}
	if fi, _ := os.Stat(m.ExecutablePath(dir)); fi.Mode().Perm()&0o100 == 0 {
		t.Error("executable is not executable")
	}

	l := e.lock()
	entry, ok := l.Plugin("echo")
	if !ok {
		t.Fatal("no lock entry")
	}
	if entry.Package != "@test/echo" || entry.Version != "1.2.0" || entry.Constraint != "^1.2" || entry.Source != reg.serve()+"/" || entry.Dir != "plugins/@test/echo/1.2.0" {
		t.Errorf("lock entry = %+v", entry)
	}
	if entry.SignedBy != signing.KeyID(reg.pub) {
		t.Errorf("signedBy = %q", entry.SignedBy)
	}
	for _, p := range allPlatforms {
		sum, ok := entry.ExecutableSHA256(p.OS, p.Arch)
		if !ok || len(sum) != 64 || entry.Hashes[p.Key()].Artifact == "" {
			t.Errorf("%s: hashes missing: %+v", p, entry.Hashes[p.Key()])
		}
	}
	want, _ := fileSHA256(m.ExecutablePath(dir))
	if got, _ := entry.ExecutableSHA256("linux", "amd64"); got != want {
		t.Errorf("executable hash %s, file has %s", got, want)
	}
	if v, _, _ := e.config.Get([]string{"plugins", "entries", "echo", "enabled"}); v != true {
		t.Errorf("config enabled = %v", v)
	}
	if rep, err := e.installer().Doctor(ctx); err != nil || len(rep.Findings) != 0 {
		t.Errorf("doctor after install: %+v %v", rep, err)
	}

	// A second install of the same package points at update.
	if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo"}); err == nil || !strings.Contains(err.Error(), "plugins update echo") {
		t.Errorf("reinstall error = %v", err)
	}
	if _, err := e.installer().Uninstall(ctx, "echo", false); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := e.config.Get([]string{"plugins", "entries", "echo"}); ok {
		t.Error("an entry holding only the enabled flag was kept")
	}
}

func TestInstallFromFolderRegistry(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	for _, loc := range []string{reg.dir, "file://" + reg.dir} {
		e := newEnv(t, []string{loc}, reg.trustedKey())
		if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo"}); err != nil {
			t.Fatalf("%s: %v", loc, err)
		}
	}
}

func TestInstallErrorsLeaveStateUntouched(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	reg.publishPlugin(plugin{id: "mac", version: "1.0.0", platforms: []platform.Platform{{OS: "darwin", Arch: "arm64"}}})
	reg.publishPlugin(plugin{id: "newproto", version: "1.0.0"})
	reg.publishPlugin(plugin{id: "newproto", version: "2.0.0", protocols: []int{2}})
	reg.publishPlugin(plugin{id: "newgw", version: "3.0.0", gateway: ">= 9.0"})
	other := newTestRegistry(t)
	other.publishPlugin(plugin{id: "foreign", version: "1.0.0"})

	tests := []struct {
		name       string
		registries []string
		spec       string
		want       []string
		check      func(error) bool
	}{
		{"unknown package", []string{reg.dir}, "@test/nope", []string{"@test/nope not found"},
			func(err error) bool { var nf *remote.NotFoundError; return errors.As(err, &nf) }},
		{"no version in range", []string{reg.dir}, "@test/newproto@^3", []string{"no version of @test/newproto matches ^3", "published: 2.0.0, 1.0.0"}, nil},
		{"only newer protocol in range", []string{reg.dir}, "@test/newproto@^2", []string{"2.0.0: speaks plugin protocol 2, this gateway speaks 1"},
			func(err error) bool { var ie *IncompatibleError; return errors.As(err, &ie) }},
		{"gateway too old", []string{reg.dir}, "@test/newgw", []string{"3.0.0: requires gateway >= 9.0, this gateway is 1.4.0"}, nil},
		{"wrong platform", []string{reg.dir}, "@test/mac", []string{"no build for linux/amd64 (built for darwin/arm64)"}, nil},
		{"untrusted key", []string{other.dir}, "@test/foreign", []string{"signed by untrusted key " + signing.KeyID(other.pub), "plugins.registry.trustedKeys"},
			func(err error) bool { var ue *signing.UntrustedKeyError; return errors.As(err, &ue) }},
		{"unreachable registry", []string{"http://127.0.0.1:1/"}, "@test/echo", []string{"registry http://127.0.0.1:1/ unreachable"}, nil},
		{"bad spec", []string{reg.dir}, "@Test/Echo", []string{"package name"}, nil},
		{"bad range", []string{reg.dir}, "@test/newproto@^abc", []string{"version range"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.registries, reg.trustedKey())
			// A previous install that must survive the failure.
			if tt.name != "unreachable registry" && tt.name != "untrusted key" {
				if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo"}); err != nil && !strings.Contains(tt.name, "bad") {
					t.Fatal(err)
				}
			}
			before := e.snapshot()
			_, err := e.installer().Install(ctx, InstallRequest{Spec: tt.spec})
			if err == nil {
				t.Fatal("Install succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.check != nil && !tt.check(err) {
				t.Errorf("error %T has the wrong type", err)
			}
			e.assertUnchanged(before)
		})
	}
}

func TestInstallSkipsIncompatibleNewerVersions(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "newproto", version: "1.0.0"})
	reg.publishPlugin(plugin{id: "newproto", version: "2.0.0", protocols: []int{2}})
	reg.publishPlugin(plugin{id: "newproto", version: "2.1.0", gateway: ">= 5.0"})
	e := newEnv(t, []string{reg.dir}, reg.trustedKey())
	res, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/newproto"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != "1.0.0" || len(res.Skipped) != 2 {
		t.Fatalf("result = %+v", res)
	}
	notes := strings.Join(res.Notes, "\n")
	for _, want := range []string{"skipped newer @test/newproto 2.1.0: requires gateway >= 5.0", "skipped newer @test/newproto 2.0.0: speaks plugin protocol 2"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q miss %q", notes, want)
		}
	}
}

func TestMirrorRegistryFallback(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	e := newEnv(t, []string{"http://127.0.0.1:1/", reg.serve()}, reg.trustedKey())
	res, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo"})
	if err != nil {
		t.Fatalf("install through the second registry: %v", err)
	}
	if res.Source != reg.serve()+"/" {
		t.Errorf("source = %q", res.Source)
	}
}

func TestCapabilityConsent(t *testing.T) {
	reg := newTestRegistry(t)
	caps := manifest.Capabilities{Network: []string{"chat.example.com"}, Secrets: []string{"token"}}
	reg.publishPlugin(plugin{id: "chat", version: "1.0.0", caps: caps})
	reg.publishPlugin(plugin{id: "chat", version: "1.1.0", caps: caps})
	wider := caps
	wider.Exec = true
	reg.publishPlugin(plugin{id: "chat", version: "1.2.0", caps: wider})

	t.Run("non-interactive needs the flag", func(t *testing.T) {
		e := newEnv(t, []string{reg.dir}, reg.trustedKey())
		before := e.snapshot()
		_, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/chat@1.0.0"})
		if err == nil || !strings.Contains(err.Error(), "--accept-capabilities") || !strings.Contains(err.Error(), "chat.example.com") {
			t.Fatalf("error = %v", err)
		}
		e.assertUnchanged(before)
		if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/chat@1.0.0", AcceptCapabilities: true}); err != nil {
			t.Fatal(err)
		}
		if got := e.lock().Plugins["@test/chat"].Capabilities; got == nil || !covers(*got, caps) {
			t.Errorf("accepted capabilities not recorded: %+v", got)
		}
	})
	t.Run("interactive prompt", func(t *testing.T) {
		e := newEnv(t, []string{reg.dir}, reg.trustedKey())
		e.prompt.interactive = true
		if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/chat@1.0.0"}); err == nil || !strings.Contains(err.Error(), "not granted") {
			t.Fatalf("declined prompt: %v", err)
		}
		e.prompt.answer = true
		if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/chat@~1.0"}); err != nil {
			t.Fatal(err)
		}
		asked := len(e.prompt.asked)
		// Same capabilities: the update does not ask again.
		if _, err := e.installer().Update(ctx, UpdateRequest{Targets: []string{"chat"}, Upgrade: true}); err != nil {
			t.Fatal(err)
		}
		if len(e.prompt.asked) != asked {
			t.Errorf("update with unchanged capabilities prompted again")
		}
		// Wider capabilities ask again.
		e.prompt.answer = false
		e.prompt.interactive = false
		e.setConstraint("@test/chat", "^1")
		_, err := e.installer().Update(ctx, UpdateRequest{Targets: []string{"chat"}, Upgrade: true})
		if err == nil || !strings.Contains(err.Error(), "runs other programs") {
			t.Fatalf("wider capabilities: %v", err)
		}
	})
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestRequiredConfigDisablesWithReason(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "mm", version: "1.0.0", channels: []string{"mattermost"},
		required: []manifest.RequiredKey{{Key: "botToken", Env: []string{"MM_TOKEN"}}}})
	e := newEnv(t, []string{reg.dir}, reg.trustedKey())
	res, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/mm"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Enabled || !strings.Contains(res.DisabledReason, "channels.mattermost.botToken (or set MM_TOKEN)") {
		t.Fatalf("result = %+v", res)
	}
	if v, _, _ := e.config.Get([]string{"plugins", "entries", "mm", "enabled"}); v != false {
		t.Errorf("config enabled = %v", v)
	}
	if e.lock().Plugins["@test/mm"].DisabledReason == "" {
		t.Error("reason not in the lock file")
	}
	if _, err := e.installer().SetEnabled(ctx, "mm", true, false); err == nil || !strings.Contains(err.Error(), "botToken") {
		t.Fatalf("enable without config: %v", err)
	}
	e.config.Set([]string{"channels", "mattermost", "botToken"}, "x")
	if _, err := e.installer().SetEnabled(ctx, "mm", true, false); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := e.config.Get([]string{"plugins", "entries", "mm", "enabled"}); v != true {
		t.Errorf("config enabled = %v", v)
	}
	if e.lock().Plugins["@test/mm"].DisabledReason != "" {
		t.Error("reason kept after enabling")
	}
	if _, err := e.installer().SetEnabled(ctx, "mm", false, false); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := e.config.Get([]string{"plugins", "entries", "mm", "enabled"}); v != false {
		t.Errorf("config enabled after disable = %v", v)
	}
	if _, err := e.installer().SetEnabled(ctx, "nope", true, false); err == nil || !strings.Contains(err.Error(), "installed: mm") {
		t.Errorf("enable unknown: %v", err)
	}
}

func TestLocalSourcesNeedForce(t *testing.T) {
	dir := pluginDir(t, plugin{id: "local", version: "0.1.0", pkg: "@me/local"})
	e := newEnv(t, []string{t.TempDir()})
	before := e.snapshot()
	_, err := e.installer().Install(ctx, InstallRequest{Spec: dir})
	if err == nil || !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), "not a trusted registry") {
		t.Fatalf("error = %v", err)
	}
	e.assertUnchanged(before)

	res, err := e.installer().Install(ctx, InstallRequest{Spec: dir, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	entry := e.lock().Plugins["@me/local"]
	if entry.Source != "path:"+dir || entry.SourceKind() != "path" || res.Dir != filepath.Join(e.state, "plugins", "@me", "local", "0.1.0") {
		t.Errorf("entry = %+v", entry)
	}
	if _, ok := entry.ExecutableSHA256("linux", "amd64"); !ok {
		t.Error("no executable hash for a folder install")
	}

	// --link records the folder in place, without hashes.
	e2 := newEnv(t, []string{t.TempDir()})
	if _, err := e2.installer().Install(ctx, InstallRequest{Spec: dir, Link: true, Force: true}); err != nil {
		t.Fatal(err)
	}
	linked := e2.lock().Plugins["@me/local"]
	if !linked.Linked || linked.Dir != dir || linked.Path(e2.state) != dir {
		t.Errorf("linked entry = %+v", linked)
	}
	if _, ok := linked.ExecutableSHA256("linux", "amd64"); ok {
		t.Error("linked plugins must not carry an executable hash")
	}
	if rep, err := e2.installer().Doctor(ctx); err != nil || len(rep.Findings) != 0 {
		t.Errorf("doctor: %+v %v", rep, err)
	}
}

func TestUpdateRespectsLockAndConstraint(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	e := newEnv(t, []string{reg.serve()}, reg.trustedKey())
	if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo@^1"}); err != nil {
		t.Fatal(err)
	}
	reg.publishPlugin(plugin{id: "echo", version: "1.1.0"})
	reg.publishPlugin(plugin{id: "echo", version: "2.0.0"})

	res, err := e.installer().Update(ctx, UpdateRequest{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Unchanged || res[0].Version != "1.0.0" || !strings.Contains(strings.Join(res[0].Notes, " "), "1.1.0 is available") {
		t.Fatalf("update without --upgrade = %+v", res[0])
	}
	res, err = e.installer().Update(ctx, UpdateRequest{Targets: []string{"echo"}, Upgrade: true})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Version != "1.1.0" || res[0].Previous != "1.0.0" {
		t.Fatalf("upgrade = %+v", res[0])
	}
	entry := e.lock().Plugins["@test/echo"]
	if entry.Version != "1.1.0" || entry.Constraint != "^1" {
		t.Errorf("lock after upgrade = %+v", entry)
	}
	// The previous version stays for a running gateway's switch-over.
	if _, err := os.Stat(filepath.Join(e.state, "plugins", "@test", "echo", "1.0.0")); err != nil {
		t.Errorf("previous version removed: %v", err)
	}

	// Files lost (or a lock file brought from another machine): update
	// restores exactly the locked version.
	os.RemoveAll(filepath.Join(e.state, "plugins"))
	res, err = e.installer().Update(ctx, UpdateRequest{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Version != "1.1.0" {
		t.Fatalf("restore = %+v", res[0])
	}
	if rep, _ := e.installer().Doctor(ctx); len(rep.Findings) != 0 {
		t.Errorf("doctor after restore: %v", rep.Findings)
	}
	if _, err := e.installer().Update(ctx, UpdateRequest{Targets: []string{"nope"}}); err == nil {
		t.Error("update of an unknown plugin succeeded")
	}
}

func TestLockFromOtherMachineRejectsChangedRelease(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	e := newEnv(t, []string{reg.dir}, reg.trustedKey())
	if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo"}); err != nil {
		t.Fatal(err)
	}
	// Another registry serves a different build under the same version.
	evil := newTestRegistry(t)
	evil.publishPlugin(plugin{id: "echo", version: "1.0.0", body: "different"})
	os.RemoveAll(filepath.Join(e.state, "plugins"))
	e.opts.Registries = []string{evil.dir}
	e.opts.TrustedKeys = []string{reg.trustedKey(), evil.trustedKey()}
	_, err := e.installer().Update(ctx, UpdateRequest{All: true})
	if err == nil || !strings.Contains(err.Error(), "not the one in the lock file") {
		t.Fatalf("error = %v", err)
	}
}

func TestUninstall(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "mm", version: "1.0.0", channels: []string{"mattermost"}})
	for _, purge := range []bool{false, true} {
		e := newEnv(t, []string{reg.dir}, reg.trustedKey())
		if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/mm"}); err != nil {
			t.Fatal(err)
		}
		e.config.Set([]string{"channels", "mattermost", "botToken"}, "secret")
		e.config.Set([]string{"plugins", "entries", "mm", "config", "x"}, 1.0)
		os.MkdirAll(filepath.Join(e.state, pluginDataDir, "mm"), 0o700)
		if _, err := e.installer().Uninstall(ctx, "mm", purge); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.lock().Plugin("mm"); ok {
			t.Error("lock entry kept")
		}
		if _, err := os.Stat(filepath.Join(e.state, "plugins", "@test")); !os.IsNotExist(err) {
			t.Errorf("files kept: %v", err)
		}
		_, enabledKept, _ := e.config.Get([]string{"plugins", "entries", "mm", "enabled"})
		_, tokenKept, _ := e.config.Get([]string{"channels", "mattermost", "botToken"})
		_, dataErr := os.Stat(filepath.Join(e.state, pluginDataDir, "mm"))
		if enabledKept {
			t.Error("enabled flag kept")
		}
		if tokenKept == purge || (dataErr == nil) == purge {
			t.Errorf("purge=%v: user config kept=%v, data kept=%v", purge, tokenKept, dataErr == nil)
		}
		if _, err := e.installer().Uninstall(ctx, "mm", false); err == nil {
			t.Error("second uninstall succeeded")
		}
	}
}

func TestSkillsInstallWithDeps(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "browser", version: "1.0.0"})
	reg.publishSkill("name: web-research\nversion: 1.0.0\ndescription: research\nrequires: @test/browser\n")

	e := newEnv(t, []string{reg.dir}, reg.trustedKey())
	res, err := e.installer().InstallSkill(ctx, SkillRequest{Spec: "web-research"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || !strings.Contains(strings.Join(res[0].Notes, " "), "needs plugin @test/browser") {
		t.Fatalf("without deps: %+v", res)
	}
	if got := e.lock().MissingPlugins(e.lock().Skills["web-research"]); len(got) != 1 {
		t.Errorf("missing plugins = %v", got)
	}
	if _, err := os.Stat(filepath.Join(e.state, "skills", "web-research", "notes.txt")); err != nil {
		t.Errorf("skill files: %v", err)
	}

	reg.publishSkill("name: web-research\nversion: 1.1.0\ndescription: research\nrequires: @test/browser\n")
	e2 := newEnv(t, []string{reg.dir}, reg.trustedKey())
	res, err = e2.installer().InstallSkill(ctx, SkillRequest{Spec: "web-research", WithDeps: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Version != "1.1.0" || res[1].Package != "@test/browser" {
		t.Fatalf("with deps: %+v", res)
	}
	if _, ok := e2.lock().Plugin("browser"); !ok {
		t.Error("dependency not installed")
	}

	// Update and uninstall.
	up, err := e.installer().UpdateSkills(ctx, UpdateRequest{All: true, Upgrade: true})
	if err != nil || up[0].Version != "1.1.0" {
		t.Fatalf("update skills: %+v %v", up, err)
	}
	if rep, _ := e.installer().Doctor(ctx); len(rep.Findings) != 0 {
		t.Errorf("doctor: %v", rep.Findings)
	}
	os.WriteFile(filepath.Join(e.state, "skills", "web-research", "notes.txt"), []byte("edited"), 0o644)
	if rep, _ := e.installer().Doctor(ctx); len(rep.Findings) != 1 {
		t.Errorf("doctor missed an edited skill: %v", rep.Findings)
	}
	if _, err := e.installer().UninstallSkill(ctx, "web-research"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e.state, "skills", "web-research")); !os.IsNotExist(err) {
		t.Errorf("skill folder kept: %v", err)
	}
	if _, err := e.installer().InstallSkill(ctx, SkillRequest{Spec: "@test/browser"}); err == nil || !strings.Contains(err.Error(), "not a skill") {
		t.Errorf("plugin as skill: %v", err)
	}
}

func TestSearch(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "mattermost", version: "1.0.0"})
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	reg.publishSkill("name: weather\nversion: 0.1.0\ndescription: forecasts\n")
	e := newEnv(t, []string{reg.serve(), "http://127.0.0.1:1/"}, reg.trustedKey())
	got, errs := e.installer().Search(ctx, "MATTER", "")
	if len(got) != 1 || got[0].Name != "@test/mattermost" || got[0].Latest != "1.0.0" {
		t.Errorf("search = %+v", got)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "unreachable") {
		t.Errorf("errs = %v", errs)
	}
	if got, _ := e.installer().Search(ctx, "", "skill"); len(got) != 1 || got[0].Name != "weather" {
		t.Errorf("skills = %+v", got)
	}
}

func TestMirrorServesAnOfflineInstall(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	reg.publishPlugin(plugin{id: "echo", version: "1.1.0"})
	reg.publishSkill("name: weather\nversion: 0.1.0\n")
	e := newEnv(t, []string{reg.serve()}, reg.trustedKey())
	if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo@1.0.0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.installer().InstallSkill(ctx, SkillRequest{Spec: "weather"}); err != nil {
		t.Fatal(err)
	}
	mirror := t.TempDir()
	rep, err := e.installer().Mirror(ctx, mirror)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Packages) != 2 || rep.Artifacts != 5 {
		t.Fatalf("mirror report = %+v", rep)
	}
	// Another machine with only the mirror restores from the lock file.
	other := newEnv(t, []string{mirror}, reg.trustedKey())
	os.WriteFile(filepath.Join(other.state, LockFileName), []byte(mustRead(t, filepath.Join(e.state, LockFileName))), 0o600)
	other.opts.Platform = platform.Platform{OS: "darwin", Arch: "arm64"}
	if _, err := other.installer().Update(ctx, UpdateRequest{All: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.installer().UpdateSkills(ctx, UpdateRequest{All: true}); err != nil {
		t.Fatal(err)
	}
	if rep, _ := other.installer().Doctor(ctx); len(rep.Findings) != 0 {
		t.Errorf("doctor on the offline machine: %v", rep.Findings)
	}
}
