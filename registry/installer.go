package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	version "github.com/hashicorp/go-version"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/archive"
	"github.com/openclaw-go/openclaw/registry/filelock"
	"github.com/openclaw-go/openclaw/registry/index"
	"github.com/openclaw-go/openclaw/registry/platform"
	"github.com/openclaw-go/openclaw/registry/remote"
	"github.com/openclaw-go/openclaw/registry/signing"
)

// Config is the slice of the user's config file the installer reads and
// writes: plugin enablement and required plugin config. Paths are key
// segments ("plugins", "entries", id, "enabled"). Set and Delete must
// replace the file atomically.
type Config interface {
	Get(path []string) (value any, ok bool, err error)
	Set(path []string, value any) error
	Delete(path []string) error
}

// Prompter asks the user to confirm; Interactive is false when nobody can
// answer (no terminal), and then the installer requires explicit flags.
type Prompter interface {
	Interactive() bool
	Confirm(ctx context.Context, question string) (bool, error)
}

// Progress shows a download's progress; it sees every byte.
type Progress interface {
	io.Writer
	Done()
}

// ProgressFunc starts a progress display for a download of total bytes.
type ProgressFunc func(label string, total int64) Progress

// Options configure an Installer.
type Options struct {
	// StateDir is the OpenClaw state directory (~/.openclaw).
	StateDir string
	// GatewayVersion is checked against each version's gateway constraint;
	// a version that is not semver (a development build) skips the check.
	GatewayVersion string
	// ProtocolVersions are the plugin protocol majors this gateway speaks.
	ProtocolVersions []int
	// Platform defaults to the running one.
	Platform platform.Platform
	// Registries are tried in order (plugins.registries); default: official.
	Registries []string
	// TrustedKeys are trusted in addition to the built-in official key.
	TrustedKeys []string
	HTTPClient  *http.Client
	Config      Config
	Prompter    Prompter
	// Progress may be nil (no progress display).
	Progress ProgressFunc
	// ReadSkill parses SKILL.md for skill installs.
	ReadSkill index.SkillReader
	// Getenv answers required-config environment lookups; default os.Getenv.
	Getenv func(string) string
	Logger hclog.Logger
	Now    func() time.Time
	// FS receives unpacked files; tests inject failures through it.
	FS     archive.FS
	Limits archive.Limits
	// Waiting is told when another install holds the lock.
	Waiting func(pid int)
	// TryStart, when set, starts a verified plugin build once from its
	// staging folder and stops it again, before the build replaces
	// anything: a build that cannot start is refused and nothing changes.
	// executableSHA256 is the hash the binary must have. Linked
	// development folders are not tried.
	TryStart func(ctx context.Context, dir string, m *manifest.Manifest, executableSHA256 string) error
}

// Installer installs, updates and removes plugins and skills in one state
// directory. Every operation holds an exclusive file lock for its duration.
type Installer struct {
	opts    Options
	client  *remote.Client
	target  target
	keys    *signing.KeyRing
	log     hclog.Logger
	warnDev bool
}

// New checks opts and returns an Installer.
func New(opts Options) (*Installer, error) {
	if opts.StateDir == "" {
		return nil, errors.New("registry: state directory is required")
	}
	abs, err := filepath.Abs(opts.StateDir)
	if err != nil {
		return nil, fmt.Errorf("registry: state directory: %w", err)
	}
	opts.StateDir = abs
	if opts.Config == nil {
		return nil, errors.New("registry: config access is required")
	}
	if opts.Platform == (platform.Platform{}) {
		opts.Platform = platform.Current()
	}
	if len(opts.Registries) == 0 {
		opts.Registries = []string{OfficialRegistryURL}
	}
	if len(opts.ProtocolVersions) == 0 {
		opts.ProtocolVersions = []int{1}
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FS == nil {
		opts.FS = archive.OS{}
	}
	if opts.Limits == (archive.Limits{}) {
		opts.Limits = archive.DefaultLimits()
	}
	keys, err := signing.NewKeyRing(append([]string{OfficialPublicKey()}, opts.TrustedKeys...)...)
	if err != nil {
		return nil, fmt.Errorf("registry: plugins.registry.trustedKeys: %w", err)
	}
	client, err := remote.New(opts.Registries, keys, opts.HTTPClient)
	if err != nil {
		return nil, fmt.Errorf("registry: plugins.registries: %w", err)
	}
	in := &Installer{opts: opts, client: client, keys: keys, log: opts.Logger.Named("registry")}
	in.target = target{platform: opts.Platform.Key(), protocols: opts.ProtocolVersions}
	if v, err := version.NewSemver(opts.GatewayVersion); err == nil {
		in.target.gateway = v
	} else {
		in.warnDev = true
	}
	return in, nil
}

// StateDir is the absolute state directory.
func (in *Installer) StateDir() string { return in.opts.StateDir }

// LockPath is the lock file's path.
func (in *Installer) LockPath() string { return filepath.Join(in.opts.StateDir, LockFileName) }

// session is one locked operation on the state directory.
type session struct {
	in   *Installer
	lock *Lock
	flk  *filelock.Lock
}

// begin takes the install lock, repairs what a killed install left behind
// and loads the lock file.
func (in *Installer) begin(ctx context.Context) (*session, error) {
	if err := os.MkdirAll(in.opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	flk, err := filelock.Acquire(ctx, filepath.Join(in.opts.StateDir, installLock), in.opts.Waiting)
	if err != nil {
		return nil, err
	}
	s := &session{in: in, flk: flk}
	if err := in.recoverStaging(); err != nil {
		flk.Release()
		return nil, err
	}
	if s.lock, err = LoadLock(in.LockPath()); err != nil {
		flk.Release()
		return nil, err
	}
	return s, nil
}

func (s *session) end() { s.flk.Release() }

func (s *session) saveLock() error { return s.lock.Save(s.in.LockPath()) }

// Result reports one install, update or removal.
type Result struct {
	Package  string
	ID       string
	Version  string
	Previous string
	Source   string
	// Dir is the absolute folder of the installed files.
	Dir            string
	Enabled        bool
	DisabledReason string
	// Unchanged is true when nothing needed doing.
	Unchanged bool
	// Skipped lists newer versions passed over, and why.
	Skipped []Skip
	// Notes are things the user should read (warnings, available updates).
	Notes []string
}

// consent makes sure the user accepted caps: explicitly by flag, by an
// earlier acceptance that covers them, or by answering a prompt.
func (in *Installer) consent(ctx context.Context, what string, caps manifest.Capabilities, accepted *manifest.Capabilities, accept bool) error {
	if caps.Empty() || accept || (accepted != nil && covers(*accepted, caps)) {
		return nil
	}
	desc := describeCapabilities(caps)
	if in.opts.Prompter != nil && in.opts.Prompter.Interactive() {
		ok, err := in.opts.Prompter.Confirm(ctx, fmt.Sprintf("%s asks for:\n%s\nGrant these capabilities?", what, desc))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s: capabilities not granted; nothing was changed", what)
		}
		return nil
	}
	return fmt.Errorf("%s declares capabilities that need your consent:\n%s\nreview them and rerun with --accept-capabilities", what, desc)
}

// confirmSource guards sources that no trusted key vouches for.
func (in *Installer) confirmSource(ctx context.Context, source string, force bool) (string, error) {
	warning := fmt.Sprintf("%s is not a trusted registry: its contents are not signed, so review it before running it", source)
	if force {
		return warning, nil
	}
	if in.opts.Prompter != nil && in.opts.Prompter.Interactive() {
		ok, err := in.opts.Prompter.Confirm(ctx, "warning: "+warning+"\nInstall anyway?")
		if err != nil {
			return "", err
		}
		if !ok {
			return "", fmt.Errorf("install from %s cancelled; nothing was changed", source)
		}
		return warning, nil
	}
	return "", fmt.Errorf("%s; rerun with --force to install it anyway", warning)
}

// covers reports whether granted includes everything in asked.
func covers(granted, asked manifest.Capabilities) bool {
	return subset(asked.Network, granted.Network) && subset(asked.HostServices, granted.HostServices) &&
		subset(asked.Secrets, granted.Secrets) && (!asked.Exec || granted.Exec)
}

func subset(a, b []string) bool {
	have := map[string]bool{}
	for _, x := range b {
		have[x] = true
	}
	for _, x := range a {
		if !have[x] {
			return false
		}
	}
	return true
}

func describeCapabilities(c manifest.Capabilities) string {
	var lines []string
	if len(c.Network) > 0 {
		lines = append(lines, "  network access to: "+strings.Join(c.Network, ", "))
	}
	if len(c.HostServices) > 0 {
		lines = append(lines, "  host services: "+strings.Join(c.HostServices, ", "))
	}
	if len(c.Secrets) > 0 {
		lines = append(lines, "  secrets: "+strings.Join(c.Secrets, ", "))
	}
	if c.Exec {
		lines = append(lines, "  runs other programs")
	}
	return strings.Join(lines, "\n")
}

// download fetches an artifact into the staging area and returns the file.
func (in *Installer) download(ctx context.Context, st *staging, f *remote.Fetched, a index.Artifact, label string) (string, error) {
	path := filepath.Join(st.dir, "artifact.tar.gz")
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", label, err)
	}
	var w io.Writer = out
	var bar Progress
	if in.opts.Progress != nil {
		bar = in.opts.Progress(label, a.Size)
		w = io.MultiWriter(out, bar)
	}
	err = in.client.Download(ctx, f, a, w)
	if bar != nil {
		bar.Done()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("download %s: %w", label, err)
	}
	return path, nil
}

// unpack extracts a verified artifact into the staging area.
func (in *Installer) unpack(st *staging, artifact string) (string, error) {
	dest := filepath.Join(st.dir, "pkg")
	if err := os.Mkdir(dest, 0o755); err != nil {
		return "", err
	}
	f, err := os.Open(artifact)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := archive.Extract(f, dest, in.opts.FS, in.opts.Limits); err != nil {
		return "", err
	}
	return dest, nil
}

func (in *Installer) now() string { return in.opts.Now().UTC().Format(time.RFC3339) }
