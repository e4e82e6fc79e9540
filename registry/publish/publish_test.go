package publish

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/index"
	"github.com/openclaw-go/openclaw/registry/platform"
	"github.com/openclaw-go/openclaw/registry/signing"
)

func pluginSrc(t *testing.T, version, body string) string {
	t.Helper()
	dir := t.TempDir()
	m := manifest.Manifest{ID: "echo", Package: "@t/echo", Version: version, Kinds: []string{"tool"}, ProtocolVersions: []int{1}, Executable: "echo-bin"}
	data, _ := json.Marshal(m)
	os.WriteFile(filepath.Join(dir, manifest.FileName), data, 0o644)
	os.WriteFile(filepath.Join(dir, "echo-bin"), []byte(body), 0o755)
	return dir
}

func TestPublish(t *testing.T) {
	_, key, _ := signing.GenerateKey(rand.Reader)
	reg := t.TempDir()
	out := t.TempDir()
	linux := platform.Platform{OS: "linux", Arch: "amd64"}
	mac := platform.Platform{OS: "darwin", Arch: "arm64"}
	pub := func(bundles ...string) ([]Published, error) {
		return Publish(context.Background(), Options{Dir: reg, Key: key}, bundles)
	}
	b1, err := PackPlugin(pluginSrc(t, "1.0.0", "v1"), "", linux, out)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(b1) != "echo_1.0.0_linux_amd64.tar.gz" {
		t.Errorf("bundle name %s", b1)
	}
	if res, err := pub(b1); err != nil || res[0].Existed || res[0].Platform != "linux/amd64" {
		t.Fatalf("first publish: %+v %v", res, err)
	}
	if res, err := pub(b1); err != nil || !res[0].Existed {
		t.Fatalf("identical republish: %+v %v", res, err)
	}
	b2, _ := PackPlugin(pluginSrc(t, "1.0.0", "v1 for mac"), "", mac, t.TempDir())
	if _, err := pub(b2); err != nil {
		t.Fatalf("adding a platform: %v", err)
	}
	changed, _ := PackPlugin(pluginSrc(t, "1.0.0", "v1 changed"), "", linux, t.TempDir())
	if _, err := pub(changed); err == nil || !strings.Contains(err.Error(), "never rewritten") {
		t.Fatalf("rewrite: %v", err)
	}

	data, _ := os.ReadFile(filepath.Join(reg, "packages", "@t", "echo", "index.json"))
	pkg, err := index.ParsePackage(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkg.Versions) != 1 || len(pkg.Versions[0].Platforms) != 2 || pkg.Versions[0].Platforms["linux/amd64"].ExecutableSHA256 == "" {
		t.Errorf("index = %+v", pkg)
	}
	rootData, _ := os.ReadFile(filepath.Join(reg, "index.json"))
	root, err := index.ParseRoot(rootData)
	if err != nil || len(root.Packages) != 1 || root.Packages[0].Latest != "1.0.0" || root.Packages[0].ID != "echo" {
		t.Errorf("root = %+v %v", root, err)
	}

	// A damaged index is refused rather than built upon.
	os.WriteFile(filepath.Join(reg, "packages", "@t", "echo", "index.json"), append(data, ' '), 0o644)
	b3, _ := PackPlugin(pluginSrc(t, "1.1.0", "v1.1"), "", linux, t.TempDir())
	if _, err := pub(b3); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("damaged index: %v", err)
	}
}

func TestPublishRefusesBadBundles(t *testing.T) {
	_, key, _ := signing.GenerateKey(rand.Reader)
	noPkg := t.TempDir()
	m := manifest.Manifest{ID: "x", Version: "1.0.0", Kinds: []string{"tool"}, ProtocolVersions: []int{1}, Executable: "x"}
	data, _ := json.Marshal(m)
	os.WriteFile(filepath.Join(noPkg, manifest.FileName), data, 0o644)
	os.WriteFile(filepath.Join(noPkg, "x"), []byte("x"), 0o755)
	b, err := PackPlugin(noPkg, "", platform.Platform{OS: "linux", Arch: "amd64"}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Publish(context.Background(), Options{Dir: t.TempDir(), Key: key}, []string{b}); err == nil || !strings.Contains(err.Error(), `"package" is required`) {
		t.Errorf("no package: %v", err)
	}
	// A real binary for the wrong platform is caught at pack time.
	self, _ := os.Executable()
	wrong := platform.Platform{OS: "windows", Arch: "arm64"}
	if _, err := PackPlugin(pluginSrc(t, "1.0.0", ""), self, wrong, t.TempDir()); err == nil || !strings.Contains(err.Error(), "is built for") {
		t.Errorf("wrong platform: %v", err)
	}
	if _, err := Publish(context.Background(), Options{Dir: t.TempDir()}, nil); err == nil {
		t.Error("publish without a key succeeded")
	}
}

func TestHandler(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{}`), 0o644)
	os.WriteFile(filepath.Join(dir, ".publish.lock"), []byte(`1`), 0o644)
	os.Mkdir(filepath.Join(dir, "packages"), 0o755)
	srv := httptest.NewServer(Handler(dir))
	defer srv.Close()
	for path, want := range map[string]int{"/index.json": 200, "/.publish.lock": 404, "/packages": 404, "/packages/": 404, "/../etc/passwd": 404, "/nope": 404} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	resp, _ := http.Post(srv.URL+"/index.json", "text/plain", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d", resp.StatusCode)
	}
}
