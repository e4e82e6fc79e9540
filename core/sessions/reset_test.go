package sessions

import (
	"testing"
	"time"
)

func TestStale(t *testing.T) {
	zone := time.FixedZone("host", 2*3600)
	at := func(day, hour, min int) time.Time { return time.Date(2026, 3, day, hour, min, 0, 0, zone) }
	ms := func(tm time.Time) int64 { return tm.UnixMilli() }

	daily := ResetPolicy{Mode: ResetDaily, AtHour: intp(4)}
	dailyDefault := ResetPolicy{Mode: ResetDaily}
	dailyIdle := ResetPolicy{Mode: ResetDaily, AtHour: intp(4), IdleMinutes: 60}
	idle := ResetPolicy{Mode: ResetIdle, IdleMinutes: 30}

	tests := []struct {
		name  string
		p     ResetPolicy
		e     Entry
		now   time.Time
		stale bool
	}{
		{"none never", ResetPolicy{}, Entry{SessionStartedAt: ms(at(1, 0, 0))}, at(20, 0, 0), false},
		{"daily same window", daily, Entry{SessionStartedAt: ms(at(10, 5, 0))}, at(11, 3, 59), false},
		{"daily crossed boundary", daily, Entry{SessionStartedAt: ms(at(10, 5, 0))}, at(11, 4, 0), true},
		{"daily started before today's boundary", daily, Entry{SessionStartedAt: ms(at(11, 3, 0))}, at(11, 4, 30), true},
		{"daily started after boundary", daily, Entry{SessionStartedAt: ms(at(11, 4, 0))}, at(11, 23, 0), false},
		{"daily default hour 4", dailyDefault, Entry{SessionStartedAt: ms(at(11, 3, 0))}, at(11, 4, 1), true},
		{"daily uses start not updates", daily, Entry{SessionStartedAt: ms(at(10, 5, 0)), UpdatedAt: ms(at(11, 5, 0)), LastInteractionAt: ms(at(11, 5, 0))}, at(11, 6, 0), true},
		{"daily falls back to updatedAt", daily, Entry{UpdatedAt: ms(at(10, 5, 0))}, at(11, 6, 0), true},
		{"daily plus idle: idle first", dailyIdle, Entry{SessionStartedAt: ms(at(11, 5, 0)), LastInteractionAt: ms(at(11, 6, 0))}, at(11, 7, 1), true},
		{"daily plus idle: fresh", dailyIdle, Entry{SessionStartedAt: ms(at(11, 5, 0)), LastInteractionAt: ms(at(11, 6, 0))}, at(11, 6, 59), false},
		{"idle fresh", idle, Entry{SessionStartedAt: ms(at(11, 5, 0)), LastInteractionAt: ms(at(11, 6, 0))}, at(11, 6, 30), false},
		{"idle expired", idle, Entry{SessionStartedAt: ms(at(11, 5, 0)), LastInteractionAt: ms(at(11, 6, 0))}, at(11, 6, 31), true},
		{"idle ignores updatedAt (system events)", idle, Entry{SessionStartedAt: ms(at(11, 5, 0)), LastInteractionAt: ms(at(11, 5, 0)), UpdatedAt: ms(at(11, 6, 0))}, at(11, 5, 45), true},
		{"idle falls back to start", idle, Entry{SessionStartedAt: ms(at(11, 5, 0))}, at(11, 5, 31), true},
		{"empty entry", daily, Entry{}, at(11, 5, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Stale(tt.e, tt.now); got != tt.stale {
				t.Errorf("Stale() = %v, want %v", got, tt.stale)
			}
		})
	}
}
