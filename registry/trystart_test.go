package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

// TestTryStart checks that a build which does not start replaces nothing,
// and that the hook sees the verified build it is about to install.
func TestTryStart(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	reg.publishPlugin(plugin{id: "echo", version: "1.1.0"})
	broken := errors.New("plugin exited before we could connect")

	tests := []struct {
		name    string
		prepare func(e *env) // what is installed before
		run     func(in *Installer) error
		failing string // version the hook refuses
		wantErr bool
		tried   []string // versions the hook saw
	}{
		{name: "install refused", failing: "1.1.0", wantErr: true, tried: []string{"1.1.0"},
			run: func(in *Installer) error {
				_, err := in.Install(ctx, InstallRequest{Spec: "@test/echo"})
				return err
			}},
		{name: "upgrade refused keeps the old version", failing: "1.1.0", wantErr: true, tried: []string{"1.1.0"},
			prepare: func(e *env) { install(e, "@test/echo") },
			run: func(in *Installer) error {
				_, err := in.Update(ctx, UpdateRequest{Targets: []string{"echo"}, Upgrade: true})
				return err
			}},
		{name: "upgrade that starts", tried: []string{"1.1.0"},
			prepare: func(e *env) { install(e, "@test/echo") },
			run: func(in *Installer) error {
				_, err := in.Update(ctx, UpdateRequest{Targets: []string{"echo"}, Upgrade: true})
				return err
			}},
		{name: "linked folders are not tried",
			run: func(in *Installer) error {
				dir := pluginDir(t, plugin{id: "dev", pkg: "@test/dev", version: "0.0.1"})
				_, err := in.Install(ctx, InstallRequest{Spec: dir, Link: true, Force: true})
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, []string{reg.dir}, reg.trustedKey())
			if tt.prepare != nil {
				tt.prepare(e)
			}
			before := e.snapshot()
			var tried []string
			e.opts.TryStart = func(_ context.Context, dir string, m *manifest.Manifest, sum string) error {
				tried = append(tried, m.Version)
				if got, err := fileSHA256(m.ExecutablePath(dir)); err != nil || got != sum {
					t.Errorf("hook got executable hash %s, the staged binary has %s (%v)", sum, got, err)
				}
				if rel, err := filepath.Rel(e.state, dir); err != nil || !strings.HasPrefix(rel, stagingDir) {
					t.Errorf("hook ran on %s, want a folder under %s", dir, stagingDir)
				}
				if m.Version == tt.failing {
					return broken
				}
				return nil
			}
			err := tt.run(e.installer())
			if strings.Join(tried, ",") != strings.Join(tt.tried, ",") {
				t.Errorf("tried %v, want %v", tried, tt.tried)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, broken) || !strings.Contains(err.Error(), "@test/echo "+tt.failing+" does not start here") {
				t.Fatalf("error = %v", err)
			}
			e.assertUnchanged(before)
			if _, err := os.Stat(filepath.Join(e.state, PluginsDir, "@test", "echo", tt.failing)); !os.IsNotExist(err) {
				t.Errorf("the refused build was unpacked into place: %v", err)
			}
		})
	}
}

// install installs 1.0.0 of spec's package, recorded with the range ^1 so
// that an upgrade moves on.
func install(e *env, spec string) {
	e.t.Helper()
	if _, err := e.installer().Install(ctx, InstallRequest{Spec: spec + "@1.0.0"}); err != nil {
		e.t.Fatal(err)
	}
	e.setConstraint(spec, "^1")
}
