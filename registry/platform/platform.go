// Package platform names the operating system and CPU a plugin build runs on,
// in the "os/arch" form the registry index and lock file use, and recognises
// the platform of a compiled executable from its header.
package platform

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"fmt"
	"io"
	"runtime"
	"strings"
)

// Any is the platform key of artifacts that run everywhere, such as skills.
const Any = "any"

// Platform is an operating system and CPU architecture pair, Go style.
type Platform struct {
	OS   string
	Arch string
}

// Current is the platform this program was built for.
func Current() Platform { return Platform{OS: runtime.GOOS, Arch: runtime.GOARCH} }

// String renders "os/arch".
func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Key is the platform's index key: "os/arch".
func (p Platform) Key() string { return p.String() }

// knownOS and knownArch bound what an index may list, so a typo in a
// publisher's file name is caught instead of producing an uninstallable build.
var (
	knownOS   = map[string]bool{"linux": true, "darwin": true, "windows": true, "freebsd": true, "openbsd": true, "netbsd": true}
	knownArch = map[string]bool{"amd64": true, "arm64": true, "386": true, "arm": true, "riscv64": true, "ppc64le": true, "s390x": true, "loong64": true}
)

// Parse reads "os/arch" (also "os_arch" and "os-arch").
func Parse(s string) (Platform, error) {
	sep := strings.IndexAny(s, "/_-")
	if sep <= 0 || sep == len(s)-1 {
		return Platform{}, fmt.Errorf("platform %q: expected os/arch such as linux/amd64", s)
	}
	p := Platform{OS: s[:sep], Arch: s[sep+1:]}
	if err := p.Validate(); err != nil {
		return Platform{}, err
	}
	return p, nil
}

// Validate reports an unknown operating system or architecture.
func (p Platform) Validate() error {
	if !knownOS[p.OS] {
		return fmt.Errorf("platform %s: unknown operating system %q", p, p.OS)
	}
	if !knownArch[p.Arch] {
		return fmt.Errorf("platform %s: unknown architecture %q", p, p.Arch)
	}
	return nil
}

// ValidKey reports whether key is "any" or a valid "os/arch".
func ValidKey(key string) bool {
	if key == Any {
		return true
	}
	p, err := Parse(key)
	return err == nil && p.Key() == key
}

// Detect reads an executable's header and names the platform it was built
// for. ok is false for files that are not ELF, Mach-O or PE executables (for
// example scripts), or whose CPU is not one we name.
func Detect(r io.ReaderAt) (p Platform, ok bool) {
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return Platform{}, false
	}
	switch {
	case bytes.Equal(magic[:], []byte(elf.ELFMAG)):
		f, err := elf.NewFile(r)
		if err != nil {
			return Platform{}, false
		}
		arch, ok := elfArch[f.Machine]
		if !ok {
			return Platform{}, false
		}
		os := "linux"
		switch f.OSABI {
		case elf.ELFOSABI_FREEBSD:
			os = "freebsd"
		case elf.ELFOSABI_OPENBSD:
			os = "openbsd"
		case elf.ELFOSABI_NETBSD:
			os = "netbsd"
		}
		return Platform{OS: os, Arch: arch}, true
	case magic[0] == 'M' && magic[1] == 'Z':
		f, err := pe.NewFile(r)
		if err != nil {
			return Platform{}, false
		}
		arch, ok := peArch[f.Machine]
		return Platform{OS: "windows", Arch: arch}, ok
	default:
		f, err := macho.NewFile(r)
		if err != nil {
			return Platform{}, false
		}
		arch, ok := machoArch[f.Cpu]
		return Platform{OS: "darwin", Arch: arch}, ok
	}
}

var (
	elfArch = map[elf.Machine]string{
		elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64", elf.EM_386: "386", elf.EM_ARM: "arm",
		elf.EM_RISCV: "riscv64", elf.EM_PPC64: "ppc64le", elf.EM_S390: "s390x", elf.EM_LOONGARCH: "loong64",
	}
	machoArch = map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}
	peArch    = map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64", pe.IMAGE_FILE_MACHINE_I386: "386"}
)
