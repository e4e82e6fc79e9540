package telegram

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrEmulatorUnavailable means Node or the npm package telegram-test-api
// is not installed, so tests against the independent emulator cannot run.
var ErrEmulatorUnavailable = errors.New("telegram-test-api emulator unavailable")

// NPMDir is where the pinned npm test dependencies are installed,
// relative to the module root (npm ci --prefix e2e/testdata/npm).
const NPMDir = "e2e/testdata/npm"

// Emulator is the independent Telegram emulator telegram-test-api (npm),
// run by Node. Unlike Server it ignores getUpdates' offset and timeout and
// answers HTTP 500 for the methods it does not implement; a bot that works
// against both is tolerant of real-world API servers.
type Emulator struct {
	url    string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	exited chan struct{}

	mu     sync.Mutex
	stderr bytes.Buffer
}

// EmulatorOptions configure StartEmulator.
type EmulatorOptions struct {
	// Dir holds node_modules/telegram-test-api; default FindNPMDir().
	Dir string
	// Node is the node binary; default "node" from PATH.
	Node string
}

// emulatorScript starts the emulator and stops it when stdin closes, so
// it never outlives the process that started it.
const emulatorScript = `
const TelegramServer = require('telegram-test-api');
const server = new TelegramServer({ port: Number(process.env.EMULATOR_PORT), host: '127.0.0.1', storeTimeout: 600 });
server.start().then(() => console.log('ready ' + server.config.apiURL), (err) => { console.error(err); process.exit(1); });
process.stdin.on('end', () => server.stop().finally(() => process.exit(0)));
process.stdin.resume();
`

// FindNPMDir returns NPMDir under the module root found above the working
// directory.
func FindNPMDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, filepath.FromSlash(NPMDir)), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// StartEmulator runs telegram-test-api on a free loopback port. It returns
// an error wrapping ErrEmulatorUnavailable when Node or the package is
// missing.
func StartEmulator(ctx context.Context, opts EmulatorOptions) (*Emulator, error) {
	if opts.Dir == "" {
		d, err := FindNPMDir()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrEmulatorUnavailable, err)
		}
		opts.Dir = d
	}
	if opts.Node == "" {
		opts.Node = "node"
	}
	node, err := exec.LookPath(opts.Node)
	if err != nil {
		return nil, fmt.Errorf("%w: node not found: %v", ErrEmulatorUnavailable, err)
	}
	pkg := filepath.Join(opts.Dir, "node_modules", "telegram-test-api", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		return nil, fmt.Errorf("%w: %s missing (run: npm ci --prefix %s)", ErrEmulatorUnavailable, pkg, NPMDir)
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	e := &Emulator{exited: make(chan struct{})}
	e.cmd = exec.Command(node, "-e", emulatorScript)
	e.cmd.Dir = opts.Dir
	e.cmd.Env = append(os.Environ(), "EMULATOR_PORT="+strconv.Itoa(port))
	e.cmd.Stderr = &lockedWriter{mu: &e.mu, w: &e.stderr}
	stdout, err := e.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	if e.stdin, err = e.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	if err := e.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	go func() {
		_ = e.cmd.Wait()
		close(e.exited)
	}()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				ready <- url
			}
		}
	}()
	select {
	case e.url = <-ready:
		return e, nil
	case <-e.exited:
		return nil, fmt.Errorf("start emulator: node exited: %s", e.Stderr())
	case <-ctx.Done():
		e.Close()
		return nil, fmt.Errorf("start emulator: %w", ctx.Err())
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// URL is the emulator's API root.
func (e *Emulator) URL() string { return e.url }

// Stderr is what the emulator printed on stderr.
func (e *Emulator) Stderr() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stderr.String()
}

// Close stops the emulator.
func (e *Emulator) Close() {
	_ = e.stdin.Close()
	select {
	case <-e.exited:
	case <-time.After(5 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.exited
	}
}

// SendUserMessage makes a user send text to the bot with the given token,
// through the emulator's client API. chat is the chat it appears in.
func (e *Emulator) SendUserMessage(ctx context.Context, token string, from User, chat Chat, text string) error {
	msg := map[string]any{
		"botToken": token,
		"date":     time.Now().Unix(),
		"from":     from,
		"chat":     chat,
		"text":     text,
	}
	if ents := DetectEntities(text); len(ents) > 0 {
		msg["entities"] = ents
	}
	var res struct {
		OK bool `json:"ok"`
	}
	if err := e.post(ctx, "/sendMessage", msg, &res); err != nil {
		return fmt.Errorf("emulator: send user message: %w", err)
	}
	if !res.OK {
		return errors.New("emulator: send user message: not ok")
	}
	return nil
}

// EmulatorBotMessage is a message the bot sent, as the emulator stored it
// (the bot's request parameters).
type EmulatorBotMessage struct {
	UpdateID  int `json:"updateId"`
	MessageID int `json:"messageId"`
	Message   struct {
		ChatID         json.Number     `json:"chat_id"`
		Text           string          `json:"text"`
		ParseMode      string          `json:"parse_mode"`
		ReplyParams    json.RawMessage `json:"reply_parameters"`
		ThreadID       json.Number     `json:"message_thread_id"`
		LinkPreviewOps json.RawMessage `json:"link_preview_options"`
	} `json:"message"`
}

// BotMessages returns the bot's messages to chatID that were not read yet.
func (e *Emulator) BotMessages(ctx context.Context, token string, chatID int64) ([]EmulatorBotMessage, error) {
	var res struct {
		OK     bool                 `json:"ok"`
		Result []EmulatorBotMessage `json:"result"`
	}
	if err := e.post(ctx, "/getUpdates", map[string]any{"token": token, "chatId": chatID}, &res); err != nil {
		return nil, fmt.Errorf("emulator: read bot messages: %w", err)
	}
	return res.Result, nil
}

// WaitBotMessage polls until the bot has sent a message to chatID.
func (e *Emulator) WaitBotMessage(ctx context.Context, token string, chatID int64) (EmulatorBotMessage, error) {
	for {
		msgs, err := e.BotMessages(ctx, token, chatID)
		if err != nil {
			return EmulatorBotMessage{}, err
		}
		if len(msgs) > 0 {
			return msgs[0], nil
		}
		select {
		case <-ctx.Done():
			return EmulatorBotMessage{}, fmt.Errorf("emulator: wait for a bot message: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (e *Emulator) post(ctx context.Context, path string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", path, res.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}
