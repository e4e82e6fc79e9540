package main

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/pluginsdk"
)

// upload is a file attached to an outbound message.
type upload struct {
	name        string
	contentType string
	data        []byte
}

// prepareMedia turns outbound media into uploads. Inline data is uploaded
// as is; a URL is downloaded and uploaded, so the file stays in Discord
// even if the link expires. A URL that cannot be downloaded is sent as a
// plain link instead (returned in links), so the reply still gets through.
func (a *account) prepareMedia(ctx context.Context, media []pluginsdk.Media) ([]upload, []string, error) {
	var files []upload
	var links []string
	for i, m := range media {
		data, ctype := m.Data, m.MimeType
		if len(data) == 0 {
			if m.URL == "" {
				return nil, nil, pluginsdk.Permanent(fmt.Errorf("media %d: neither data nor a URL", i))
			}
			u, err := url.Parse(m.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				return nil, nil, pluginsdk.Permanent(fmt.Errorf("media %d: %q is not an http(s) URL", i, m.URL))
			}
			var fetchedType string
			data, fetchedType, err = a.download(ctx, m.URL)
			if err != nil {
				a.logger().Warn("could not download media; sending the link instead", "url", redactURL(u), "error", err)
				links = append(links, m.URL)
				continue
			}
			if ctype == "" {
				ctype = fetchedType
			}
		}
		if int64(len(data)) > a.cfg.mediaMaxBytes {
			return nil, nil, pluginsdk.Permanent(fmt.Errorf("media %d is %d bytes; mediaMaxMb allows %d", i, len(data), a.cfg.mediaMaxBytes))
		}
		files = append(files, upload{name: fileName(m, ctype, i), contentType: ctype, data: data})
	}
	return files, links, nil
}

// downloadTimeout bounds one media download.
const downloadTimeout = 60 * time.Second

func (a *account) download(ctx context.Context, rawURL string) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", err
	}
	client := &http.Client{Transport: a.downloadTransport()}
	res, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("HTTP %s", res.Status)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, a.cfg.mediaMaxBytes+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(data)) > a.cfg.mediaMaxBytes {
		return nil, "", fmt.Errorf("larger than mediaMaxMb (%d bytes)", a.cfg.mediaMaxBytes)
	}
	ctype, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	return data, ctype, nil
}

func (a *account) downloadTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	if a.cfg.proxy != nil {
		t.Proxy = http.ProxyURL(a.cfg.proxy)
	}
	return t
}

// fileName picks the upload's name: the given one, else the URL's last
// path element, else a generic name with an extension for the type.
func fileName(m pluginsdk.Media, ctype string, i int) string {
	if m.FileName != "" {
		return m.FileName
	}
	if u, err := url.Parse(m.URL); err == nil {
		if base := path.Base(u.Path); base != "" && base != "/" && base != "." {
			return base
		}
	}
	ext := ""
	if exts, _ := mime.ExtensionsByType(ctype); len(exts) > 0 {
		ext = exts[0]
	}
	kind := m.Kind
	if kind == "" {
		kind = "file"
	}
	return fmt.Sprintf("%s-%d%s", kind, i+1, ext)
}

// redactURL drops the query, which often carries signed tokens.
func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.User = "", nil
	return strings.TrimSuffix(c.String(), "?")
}
