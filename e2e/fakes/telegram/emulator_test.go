package telegram

import (
	"errors"
	"testing"
)

func TestStartEmulatorReportsMissingPackage(t *testing.T) {
	_, err := StartEmulator(testContext(t), EmulatorOptions{Dir: t.TempDir()})
	if !errors.Is(err, ErrEmulatorUnavailable) {
		t.Fatalf("error = %v, want ErrEmulatorUnavailable", err)
	}
	_, err = StartEmulator(testContext(t), EmulatorOptions{Node: "no-such-node-binary"})
	if !errors.Is(err, ErrEmulatorUnavailable) {
		t.Fatalf("error = %v, want ErrEmulatorUnavailable", err)
	}
}

func TestEmulatorRoundTrip(t *testing.T) {
	em, err := StartEmulator(testContext(t), EmulatorOptions{})
	if errors.Is(err, ErrEmulatorUnavailable) {
		t.Skipf("skipping: %v (install it with: npm ci --prefix %s)", err, NPMDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	token := TokenFor(99)
	if err := em.SendUserMessage(testContext(t), token, alice, PrivateChat(alice), "hi"); err != nil {
		t.Fatal(err)
	}
	msgs, err := em.BotMessages(testContext(t), token, alice.ID)
	if err != nil || len(msgs) != 0 {
		t.Fatalf("bot messages before the bot spoke: %v, %v", msgs, err)
	}
}
