package registry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
)

// Finding is one problem doctor found.
type Finding struct {
	Kind    string // "plugin" or "skill"
	Package string
	ID      string
	Problem string
}

func (f Finding) String() string { return fmt.Sprintf("%s %s: %s", f.Kind, f.Package, f.Problem) }

// DoctorReport is the result of checking every installed package.
type DoctorReport struct {
	Plugins  int
	Skills   int
	Findings []Finding
}

// Doctor checks every installed plugin and skill against the lock file:
// files present, manifest matching, executable and file hashes unchanged.
// Interrupted installs are settled first, as by any operation.
func (in *Installer) Doctor(ctx context.Context) (*DoctorReport, error) {
	s, err := in.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	rep := &DoctorReport{}
	for _, e := range s.lock.Entries() {
		rep.Plugins++
		if err := verifyPlugin(in.opts.StateDir, e, in.target.platform); err != nil {
			rep.Findings = append(rep.Findings, Finding{Kind: "plugin", Package: e.Package, ID: e.ID, Problem: err.Error()})
		}
	}
	for _, e := range s.lock.SkillEntries() {
		rep.Skills++
		if err := verifySkill(in.opts.StateDir, e); err != nil {
			rep.Findings = append(rep.Findings, Finding{Kind: "skill", Package: e.Package, ID: e.ID, Problem: err.Error()})
		}
	}
	return rep, nil
}

// VerifyPlugin checks one installed plugin against its lock entry for the
// given platform key ("os/arch").
func VerifyPlugin(stateDir string, e *LockEntry, platformKey string) error {
	return verifyPlugin(stateDir, e, platformKey)
}

func verifyPlugin(stateDir string, e *LockEntry, key string) error {
	dir := e.Path(stateDir)
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("installed files are missing (%s); run `openclaw plugins update %s` to reinstall %s", dir, e.ID, e.Version)
	}
	m, err := manifest.Load(dir)
	if err != nil {
		return err
	}
	var problems []string
	if m.ID != e.ID {
		problems = append(problems, fmt.Sprintf("manifest id %q, lock file says %q", m.ID, e.ID))
	}
	if m.Version != e.Version {
		problems = append(problems, fmt.Sprintf("manifest version %s, lock file says %s", m.Version, e.Version))
	}
	exe := m.ExecutablePath(dir)
	if _, err := os.Stat(exe); err != nil {
		problems = append(problems, fmt.Sprintf("executable %s is missing", filepath.Base(exe)))
	} else if !e.Linked {
		h, ok := e.Hashes[key]
		switch {
		case !ok || h.Executable == "":
			problems = append(problems, fmt.Sprintf("the lock file has no executable hash for %s", key))
		default:
			if got, err := fileSHA256(exe); err != nil || got != h.Executable {
				problems = append(problems, fmt.Sprintf("executable sha256 %s does not match the lock file (%s): the binary was modified", got, h.Executable))
			}
		}
		if ok && h.Tree != "" {
			if got, err := TreeSHA256(dir); err != nil || got != h.Tree {
				problems = append(problems, "installed files differ from what was installed (tree hash mismatch)")
			}
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func verifySkill(stateDir string, e *LockEntry) error {
	dir := e.Path(stateDir)
	if _, err := os.Stat(filepath.Join(dir, "SKILL.md")); err != nil {
		return fmt.Errorf("SKILL.md is missing in %s; run `openclaw skills update %s` to reinstall %s", dir, e.ID, e.Version)
	}
	for _, h := range e.Hashes {
		if h.Tree == "" {
			continue
		}
		if got, err := TreeSHA256(dir); err != nil || got != h.Tree {
			return errors.New("skill files were changed since install (tree hash mismatch)")
		}
	}
	return nil
}
