package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/archive"
	"github.com/openclaw-go/openclaw/registry/index"
	"github.com/openclaw-go/openclaw/registry/publish"
	"github.com/openclaw-go/openclaw/registry/remote"
	"github.com/openclaw-go/openclaw/registry/signing"
)

func TestTamperedArtifact(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	reg.publishPlugin(plugin{id: "echo", version: "1.1.0"})
	e := newEnv(t, []string{reg.dir}, reg.trustedKey())
	if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo@1.0.0"}); err != nil {
		t.Fatal(err)
	}
	e.setConstraint("@test/echo", "^1")
	// Flip one byte of the 1.1.0 linux/amd64 artifact, keeping its size.
	art := filepath.Join(reg.dir, "packages", "@test", "echo", "1.1.0", "echo_1.1.0_linux_amd64.tar.gz")
	data := []byte(mustRead(t, art))
	data[len(data)/2] ^= 0xff
	os.WriteFile(art, data, 0o644)

	before := e.snapshot()
	_, err := e.installer().Update(ctx, UpdateRequest{All: true, Upgrade: true})
	var ce *remote.ChecksumError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("error = %v", err)
	}
	e.assertUnchanged(before)

	// Tampering with the index itself breaks the signed SHA256SUMS.
	idx := filepath.Join(reg.dir, "packages", "@test", "echo", "index.json")
	os.WriteFile(idx, []byte(strings.Replace(mustRead(t, idx), `"1.1.0"`, `"1.1.1"`, 1)), 0o644)
	if _, err := e.installer().Update(ctx, UpdateRequest{All: true, Upgrade: true}); err == nil || !strings.Contains(err.Error(), "index.json") {
		t.Fatalf("tampered index: %v", err)
	}
	// So does tampering with the checksum list.
	sums := filepath.Join(reg.dir, "packages", "@test", "echo", "SHA256SUMS")
	os.WriteFile(sums, append([]byte(mustRead(t, sums)), []byte(strings.Repeat("0", 64)+"  extra\n")...), 0o644)
	if _, err := e.installer().Update(ctx, UpdateRequest{All: true, Upgrade: true}); !errors.Is(err, signing.ErrBadSignature) {
		t.Fatalf("tampered sums: %v", err)
	}
	e.assertUnchanged(before)
}

func TestTruncatedDownload(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0", body: strings.Repeat("padding ", 4000)})
	files := publish.Handler(reg.dir)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".tar.gz") {
			data := mustRead(t, filepath.Join(reg.dir, filepath.FromSlash(r.URL.Path)))
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			io.WriteString(w, data[:len(data)/2])
			return // the connection closes short of Content-Length
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	e := newEnv(t, []string{srv.URL}, reg.trustedKey())
	before := e.snapshot()
	_, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo"})
	var te *remote.TruncatedError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("error = %v", err)
	}
	e.assertUnchanged(before)
}

// writeRawPackage publishes a hand-made artifact (which Publish would
// refuse) with a valid signature, as a compromised publisher could.
func (r *testRegistry) writeRawPackage(name, id, ver string, artifact []byte, exeSum string) {
	r.t.Helper()
	sum := sha256.Sum256(artifact)
	url := ver + "/" + id + ".tar.gz"
	pkg := &index.Package{Format: 1, Name: name, Kind: index.KindPlugin, Versions: []index.Version{{
		Version: ver, ID: id, Protocols: []int{1},
		Platforms: map[string]index.Artifact{"linux/amd64": {URL: url, Size: int64(len(artifact)), SHA256: index.HexSHA256(sum[:]), ExecutableSHA256: exeSum}},
	}}}
	pdir := filepath.Join(r.dir, filepath.FromSlash(index.PackageDir(name)))
	os.MkdirAll(filepath.Join(pdir, ver), 0o755)
	os.WriteFile(filepath.Join(pdir, filepath.FromSlash(url)), artifact, 0o644)
	data, _ := index.Marshal(pkg)
	os.WriteFile(filepath.Join(pdir, index.IndexFile), data, 0o644)
	isum := sha256.Sum256(data)
	sums := index.Sums{index.IndexFile: index.HexSHA256(isum[:]), url: index.HexSHA256(sum[:])}
	os.WriteFile(filepath.Join(pdir, index.SumsFile), sums.Bytes(), 0o644)
	os.WriteFile(filepath.Join(pdir, index.SignatureFile), signing.FormatSignatures([]signing.Signature{signing.Sign(r.key, sums.Bytes())}), 0o644)
}

type tarEntry struct {
	name, body, link string
	typ              byte
}

func tarGz(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o755, Linkname: e.link}
		if e.typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		tw.WriteHeader(hdr)
		tw.Write([]byte(e.body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestArchiveEscapesAreRefused(t *testing.T) {
	m, _ := json.Marshal(manifest.Manifest{ID: "evil", Version: "1.0.0", Kinds: []string{"tool"}, ProtocolVersions: []int{1}, Executable: "run"})
	tests := []struct {
		name    string
		entries []tarEntry
	}{
		{"dot-dot", []tarEntry{{name: "openclaw.plugin.json", body: string(m), typ: tar.TypeReg}, {name: "run", body: "x", typ: tar.TypeReg}, {name: "../../../escaped", body: "pwned", typ: tar.TypeReg}}},
		{"symlink out", []tarEntry{{name: "openclaw.plugin.json", body: string(m), typ: tar.TypeReg}, {name: "run", typ: tar.TypeSymlink, link: "../../../escaped"}}},
		{"write through symlink", []tarEntry{{name: "openclaw.plugin.json", body: string(m), typ: tar.TypeReg}, {name: "dir", typ: tar.TypeSymlink, link: "."}, {name: "dir/run", body: "x", typ: tar.TypeReg}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newTestRegistry(t)
			reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
			reg.writeRawPackage("@test/evil", "evil", "1.0.0", tarGz(t, tt.entries), strings.Repeat("a", 64))
			e := newEnv(t, []string{reg.dir}, reg.trustedKey())
			if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo"}); err != nil {
				t.Fatal(err)
			}
			before := e.snapshot()
			_, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/evil"})
			var ue *archive.UnsafeEntryError
			if !errors.As(err, &ue) {
				t.Fatalf("error = %v, want an unsafe entry error", err)
			}
			e.assertUnchanged(before)
			filepath.WalkDir(filepath.Dir(e.state), func(p string, d fs.DirEntry, err error) error {
				if d != nil && d.Name() == "escaped" {
					t.Errorf("file escaped to %s", p)
				}
				return nil
			})
		})
	}
}

// enospc fails writes after a byte budget, like a disk filling up.
type enospc struct {
	archive.OS
	mu     sync.Mutex
	budget int
}

func (d *enospc) Create(p string, perm fs.FileMode) (io.WriteCloser, error) {
	w, err := d.OS.Create(p, perm)
	if err != nil {
		return nil, err
	}
	return writerFunc{w, func(b []byte) (int, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if len(b) > d.budget {
			d.budget = 0
			return 0, &fs.PathError{Op: "write", Path: p, Err: syscall.ENOSPC}
		}
		d.budget -= len(b)
		return w.Write(b)
	}}, nil
}

type writerFunc struct {
	io.WriteCloser
	write func([]byte) (int, error)
}

func (w writerFunc) Write(b []byte) (int, error) { return w.write(b) }

func TestDiskFullDuringUnpack(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	reg.publishPlugin(plugin{id: "echo", version: "1.1.0", body: strings.Repeat("big ", 10000)})
	e := newEnv(t, []string{reg.dir}, reg.trustedKey())
	if _, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo@1.0.0"}); err != nil {
		t.Fatal(err)
	}
	e.setConstraint("@test/echo", "^1")
	before := e.snapshot()
	e.opts.FS = &enospc{budget: 1000}
	_, err := e.installer().Update(ctx, UpdateRequest{All: true, Upgrade: true})
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("error = %v", err)
	}
	e.assertUnchanged(before)
	e.opts.FS = nil
	if rep, _ := e.installer().Doctor(ctx); len(rep.Findings) != 0 {
		t.Errorf("previous install damaged: %v", rep.Findings)
	}
}

func TestConcurrentInstallsSerialise(t *testing.T) {
	reg := newTestRegistry(t)
	names := []string{"a", "b", "c", "d"}
	for _, n := range names {
		reg.publishPlugin(plugin{id: n, version: "1.0.0"})
	}
	e := newEnv(t, []string{reg.serve()}, reg.trustedKey())
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(names))
	for _, n := range names {
		for range 2 { // every package twice: one wins, one is told it is installed
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/" + n})
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	var ok, already int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case strings.Contains(err.Error(), "already installed"):
			already++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != len(names) || already != len(names) {
		t.Errorf("%d installs succeeded and %d were refused, want %d each", ok, already, len(names))
	}
	l := e.lock()
	if len(l.Plugins) != len(names) {
		t.Fatalf("lock has %d plugins, want %d", len(l.Plugins), len(names))
	}
	if rep, _ := e.installer().Doctor(ctx); len(rep.Findings) != 0 {
		t.Errorf("doctor: %v", rep.Findings)
	}
}

func TestInterruptedInstallIsUndone(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	reg.publishSkill("name: weather\nversion: 0.1.0\n")
	e := newEnv(t, []string{reg.dir}, reg.trustedKey())
	in := e.installer()
	if _, err := in.Install(ctx, InstallRequest{Spec: "@test/echo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.InstallSkill(ctx, SkillRequest{Spec: "weather"}); err != nil {
		t.Fatal(err)
	}
	before := e.snapshot()

	// What a process killed mid-way leaves behind: a half-written download,
	// a new version moved into place whose lock write never happened, and a
	// skill replaced in place with its previous files still in the backup.
	staging := filepath.Join(e.state, stagingDir)
	os.MkdirAll(filepath.Join(staging, "op-1", "pkg"), 0o700)
	os.WriteFile(filepath.Join(staging, "op-1", "artifact.tar.gz"), []byte("half"), 0o600)
	newDir := filepath.Join(e.state, "plugins", "@test", "echo", "1.1.0")
	os.MkdirAll(newDir, 0o755)
	os.WriteFile(filepath.Join(newDir, "openclaw.plugin.json"), []byte("{}"), 0o644)
	writeJournal(t, staging, journal{Target: "plugins/@test/echo/1.1.0", Tree: "new"})

	skillDir := filepath.Join(e.state, "skills", "weather")
	backup := filepath.Join(stagingDir, "backup-1")
	if err := os.Rename(skillDir, filepath.Join(e.state, backup)); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(skillDir, 0o755)
	os.WriteFile(filepath.Join(skillDir, "SKILL.md"), []byte("name: weather\nversion: 9.9.9\n"), 0o644)
	writeJournal(t, staging, journal{Target: "skills/weather", Backup: backup, Tree: "new"})

	rep, err := e.installer().Doctor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 {
		t.Errorf("doctor after recovery: %v", rep.Findings)
	}
	e.assertUnchanged(before)
}

func writeJournal(t *testing.T, staging string, j journal) {
	t.Helper()
	data, _ := json.Marshal(j)
	if err := os.WriteFile(filepath.Join(staging, randomName("journal-")+".json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCommittedJournalKeepsNewFiles(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishSkill("name: weather\nversion: 0.1.0\n")
	e := newEnv(t, []string{reg.dir}, reg.trustedKey())
	if _, err := e.installer().InstallSkill(ctx, SkillRequest{Spec: "weather"}); err != nil {
		t.Fatal(err)
	}
	// Killed after the lock write but before the backup was dropped: the new
	// files are committed and must stay.
	staging := filepath.Join(e.state, stagingDir)
	os.MkdirAll(filepath.Join(staging, "backup-2"), 0o700)
	os.WriteFile(filepath.Join(staging, "backup-2", "SKILL.md"), []byte("old"), 0o644)
	tree := e.lock().Skills["weather"].Hashes["any"].Tree
	writeJournal(t, staging, journal{Target: "skills/weather", Backup: filepath.Join(stagingDir, "backup-2"), Tree: tree})
	if rep, _ := e.installer().Doctor(ctx); len(rep.Findings) != 0 {
		t.Errorf("doctor: %v", rep.Findings)
	}
	if entries, _ := os.ReadDir(staging); len(entries) != 0 {
		t.Errorf("staging left: %v", entries)
	}
}

func TestConfigWriteFailureKeepsInstall(t *testing.T) {
	reg := newTestRegistry(t)
	reg.publishPlugin(plugin{id: "echo", version: "1.0.0"})
	e := newEnv(t, []string{reg.dir}, reg.trustedKey())
	e.config.fail = errors.New("config is read-only")
	_, err := e.installer().Install(ctx, InstallRequest{Spec: "@test/echo"})
	if err == nil || !strings.Contains(err.Error(), "is installed, but recording it in config failed") {
		t.Fatalf("error = %v", err)
	}
	if _, ok := e.lock().Plugin("echo"); !ok {
		t.Error("install not recorded")
	}
}
