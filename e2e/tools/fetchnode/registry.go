package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// Limits on what the registry may send: a version manifest is a few KB,
// the largest tarball here (Node itself) about 50 MB.
const (
	maxManifest = 8 << 20
	maxTarball  = 512 << 20
)

// registry reads packages from an npm registry.
type registry struct {
	base     string
	client   *http.Client
	log      io.Writer
	terminal bool
}

// manifest is the part of a package version's registry document used here.
type manifest struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Dist    struct {
		Integrity string `json:"integrity"`
		Tarball   string `json:"tarball"`
	} `json:"dist"`
}

func (r registry) manifest(ctx context.Context, name, version string) (manifest, error) {
	u := strings.TrimSuffix(r.base, "/") + "/" + url.PathEscape(name) + "/" + url.PathEscape(version)
	resp, err := r.get(ctx, u)
	if err != nil {
		return manifest{}, fmt.Errorf("look up %s@%s: %w", name, version, err)
	}
	defer resp.Body.Close()
	var m manifest
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxManifest)).Decode(&m); err != nil {
		return manifest{}, fmt.Errorf("look up %s@%s: decode %s: %w", name, version, u, err)
	}
	if m.Name != name || m.Version != version {
		return manifest{}, fmt.Errorf("look up %s@%s: registry answered with %s@%s", name, version, m.Name, m.Version)
	}
	if m.Dist.Tarball == "" || m.Dist.Integrity == "" {
		return manifest{}, fmt.Errorf("look up %s@%s: registry gives no dist.tarball or dist.integrity", name, version)
	}
	return m, nil
}

// download fetches m's tarball into the file dst and checks it against
// dist.integrity; on any error dst is removed, so a file that exists after
// a nil error has been verified.
func (r registry) download(ctx context.Context, m manifest, dst string) (err error) {
	spec := m.Name + "@" + m.Version
	want, err := parseIntegrity(m.Dist.Integrity)
	if err != nil {
		return fmt.Errorf("download %s: %w", spec, err)
	}
	if u, err := url.Parse(m.Dist.Tarball); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("download %s: tarball URL %q is not http(s)", spec, m.Dist.Tarball)
	}
	resp, err := r.get(ctx, m.Dist.Tarball)
	if err != nil {
		return fmt.Errorf("download %s: %w", spec, err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > maxTarball {
		return fmt.Errorf("download %s: tarball is %d bytes, more than the %d allowed", spec, resp.ContentLength, int64(maxTarball))
	}

	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("download %s: %w", spec, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("download %s: %w", spec, cerr)
		}
		if err != nil {
			os.Remove(dst)
		}
	}()

	h := want.newHash()
	p := newProgress(r.log, r.terminal, spec, resp.ContentLength)
	n, err := io.Copy(io.MultiWriter(f, h, p), io.LimitReader(resp.Body, maxTarball+1))
	p.done(err == nil)
	if err != nil {
		return fmt.Errorf("download %s: %w", spec, err)
	}
	if n > maxTarball {
		return fmt.Errorf("download %s: tarball is more than the %d bytes allowed", spec, int64(maxTarball))
	}
	if err := want.check(h.Sum(nil)); err != nil {
		return fmt.Errorf("download %s from %s: %w", spec, m.Dist.Tarball, err)
	}
	return nil
}

func (r registry) get(ctx context.Context, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return resp, nil
}
