package publish

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/openclaw-go/openclaw/pluginsdk/atomicfile"
	"github.com/openclaw-go/openclaw/pluginsdk/manifest"
	"github.com/openclaw-go/openclaw/registry/archive"
	"github.com/openclaw-go/openclaw/registry/index"
	"github.com/openclaw-go/openclaw/registry/platform"
)

// PackPlugin writes the bundle for one platform of the plugin whose manifest
// is in srcDir: the manifest and the binary, stored under the manifest's
// executable name. binary defaults to that executable inside srcDir. It
// returns the bundle's path, <outDir>/<id>_<version>_<os>_<arch>.tar.gz.
func PackPlugin(srcDir, binary string, plat platform.Platform, outDir string) (string, error) {
	m, err := manifest.Load(srcDir)
	if err != nil {
		return "", err
	}
	if err := plat.Validate(); err != nil {
		return "", err
	}
	if binary == "" {
		binary = filepath.Join(srcDir, m.Executable)
	}
	f, err := os.Open(binary)
	if err != nil {
		return "", fmt.Errorf("pack %s: plugin binary: %w", m.ID, err)
	}
	detected, ok := platform.Detect(f)
	f.Close()
	if ok && detected != plat {
		return "", fmt.Errorf("pack %s: %s is built for %s, not %s", m.ID, binary, detected, plat)
	}
	files := []archive.File{
		{Name: manifest.FileName, Path: filepath.Join(srcDir, manifest.FileName), Mode: 0o644},
		{Name: m.Executable, Path: binary, Mode: 0o755},
	}
	name := fmt.Sprintf("%s_%s_%s_%s.tar.gz", m.ID, m.Version, plat.OS, plat.Arch)
	return writeBundle(files, outDir, name)
}

// PackSkill writes the bundle of the skill folder srcDir (which holds
// SKILL.md) as <outDir>/<name>_<version>.tar.gz.
func PackSkill(srcDir, outDir string, readSkill index.SkillReader) (string, error) {
	data, err := os.ReadFile(filepath.Join(srcDir, SkillFile))
	if err != nil {
		return "", fmt.Errorf("pack skill: %w", err)
	}
	info, err := readSkill(data)
	if err != nil {
		return "", fmt.Errorf("pack skill %s: %w", srcDir, err)
	}
	if err := index.ValidName(info.Name); err != nil {
		return "", fmt.Errorf("pack skill %s: %w", srcDir, err)
	}
	if info.Version == "" {
		return "", fmt.Errorf("pack skill %s: %s needs a \"version\"", srcDir, SkillFile)
	}
	files, err := archive.DirFiles(srcDir)
	if err != nil {
		return "", err
	}
	return writeBundle(files, outDir, fmt.Sprintf("%s_%s.tar.gz", filepath.Base(info.Name), info.Version))
}

func writeBundle(files []archive.File, outDir, name string) (string, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := archive.Pack(&buf, files); err != nil {
		return "", err
	}
	out := filepath.Join(outDir, name)
	if err := atomicfile.Write(out, buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	return out, nil
}
