package pluginsdk

import (
	"encoding/json"
	"testing"
)

func TestNumberArguments(t *testing.T) {
	tests := []struct {
		in      string
		num     Number
		integer Int
		numErr  bool
		intErr  bool
	}{
		{`{"n":30}`, Number{true, 30}, Int{true, 30}, false, false},
		{`{"n":"30"}`, Number{true, 30}, Int{true, 30}, false, false},
		{`{"n":2.5}`, Number{true, 2.5}, Int{}, false, true},
		{`{"n":null}`, Number{}, Int{}, false, false},
		{`{}`, Number{}, Int{}, false, false},
		{`{"n":"soon"}`, Number{}, Int{}, true, true},
	}
	for _, tt := range tests {
		var a struct {
			N Number `json:"n"`
		}
		err := json.Unmarshal([]byte(tt.in), &a)
		if (err != nil) != tt.numErr || (err == nil && a.N != tt.num) {
			t.Errorf("Number %s = %+v, %v", tt.in, a.N, err)
		}
		var b struct {
			N Int `json:"n"`
		}
		err = json.Unmarshal([]byte(tt.in), &b)
		if (err != nil) != tt.intErr || (err == nil && b.N != tt.integer) {
			t.Errorf("Int %s = %+v, %v", tt.in, b.N, err)
		}
	}
}
