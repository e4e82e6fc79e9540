package platform

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]string{"linux/amd64": "linux/amd64", "darwin_arm64": "darwin/arm64", "windows-386": "windows/386"} {
		p, err := Parse(in)
		if err != nil || p.Key() != want {
			t.Errorf("Parse(%q) = %v, %v", in, p, err)
		}
	}
	for _, bad := range []string{"", "linux", "linux/", "plan9/amd64", "linux/sparc"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
	if !ValidKey("any") || ValidKey("linux_amd64") || !ValidKey("linux/arm64") {
		t.Error("ValidKey")
	}
}

func TestDetect(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, ok := Detect(f)
	if !ok || p != (Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}) {
		t.Errorf("Detect(test binary) = %v, %v", p, ok)
	}
	if _, ok := Detect(strings.NewReader("#!/bin/sh\necho hi\n")); ok {
		t.Error("Detect recognised a script")
	}
}
