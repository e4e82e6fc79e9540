package telegram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// maxBody bounds a request body. The real Bot API takes uploads of up to
// 50 MB; tests never need that much.
const maxBody = 32 << 20

// params are a Bot API call's parameters. Telegram accepts them as a query
// string, a form, a multipart form or a JSON object; they are normalised to
// strings here, with JSON strings unquoted and other JSON values kept as
// their JSON text, which is also how form fields carry objects.
type params struct {
	values map[string]string
	files  map[string]upload
	// raw keeps the decoded JSON body or form, for the call log.
	raw map[string]any
}

// upload is a file sent in a multipart body.
type upload struct {
	FileName    string
	ContentType string
	Data        []byte
}

func parseParams(r *http.Request) (params, error) {
	p := params{values: map[string]string{}, files: map[string]upload{}, raw: map[string]any{}}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			p.values[k] = vs[0]
			p.raw[k] = vs[0]
		}
	}
	if r.Method != http.MethodPost || r.ContentLength == 0 {
		return p, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return p, fmt.Errorf("read body: %w", err)
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return p, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return p, fmt.Errorf("request body is not a JSON object: %w", err)
		}
		for k, v := range obj {
			var s string
			if json.Unmarshal(v, &s) == nil {
				p.values[k] = s
			} else {
				p.values[k] = string(v)
			}
			var anyV any
			_ = json.Unmarshal(v, &anyV)
			p.raw[k] = anyV
		}
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			return p, fmt.Errorf("parse form: %w", err)
		}
		for k, vs := range r.PostForm {
			if len(vs) > 0 {
				p.values[k] = vs[0]
				p.raw[k] = vs[0]
			}
		}
	case "multipart/form-data":
		if ctParams["boundary"] == "" {
			return p, fmt.Errorf("multipart body without a boundary")
		}
		r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return p, fmt.Errorf("parse multipart form: %w", err)
		}
		for k, vs := range r.MultipartForm.Value {
			if len(vs) > 0 {
				p.values[k] = vs[0]
				p.raw[k] = vs[0]
			}
		}
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			f, err := fhs[0].Open()
			if err != nil {
				return p, fmt.Errorf("open upload %s: %w", k, err)
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				return p, fmt.Errorf("read upload %s: %w", k, err)
			}
			p.files[k] = upload{FileName: fhs[0].Filename, ContentType: fhs[0].Header.Get("Content-Type"), Data: data}
			p.raw[k] = fmt.Sprintf("<file %s, %d bytes>", fhs[0].Filename, len(data))
		}
	}
	return p, nil
}

func (p params) has(key string) bool {
	_, ok := p.values[key]
	return ok
}

func (p params) str(key string) string { return p.values[key] }

func (p params) int64(key string) (int64, bool, error) {
	v, ok := p.values[key]
	if !ok || v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("%s: %q is not an integer", key, v)
	}
	return n, true, nil
}

func (p params) int(key string) (int, bool, error) {
	n, ok, err := p.int64(key)
	return int(n), ok, err
}

func (p params) bool(key string) bool {
	v := strings.ToLower(p.values[key])
	return v == "true" || v == "1"
}

// decode unmarshals a parameter that holds a JSON object or array.
func (p params) decode(key string, v any) (bool, error) {
	s, ok := p.values[key]
	if !ok || s == "" {
		return false, nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return true, fmt.Errorf("%s: can't parse JSON: %w", key, err)
	}
	return true, nil
}

// inputFile resolves an InputFile parameter: an upload in the same request
// (directly or through "attach://<name>"), an HTTP URL or a file_id.
func (p params) inputFile(key string) (SentFile, bool) {
	if u, ok := p.files[key]; ok {
		return SentFile{FileName: u.FileName, ContentType: u.ContentType, Data: u.Data}, true
	}
	v := p.values[key]
	switch {
	case v == "":
		return SentFile{}, false
	case strings.HasPrefix(v, "attach://"):
		u, ok := p.files[strings.TrimPrefix(v, "attach://")]
		if !ok {
			return SentFile{}, false
		}
		return SentFile{FileName: u.FileName, ContentType: u.ContentType, Data: u.Data}, true
	case strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://"):
		return SentFile{URL: v}, true
	}
	return SentFile{FileID: v}, true
}
