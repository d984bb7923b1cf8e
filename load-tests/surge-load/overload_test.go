package main

import (
	"net/http"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestOverloadProfilePeaksThenStaysLongEnoughToShowRecovery(t *testing.T) {
	stages, err := surgeStages("overload", 40, 28)
	if err != nil {
		t.Fatal(err)
	}
	p := StagedPacer{Start: 40, Stages: stages}
	if got := p.PeakEnds(); got != 35*time.Second {
		t.Fatalf("the 28x plateau ends at 35 s, got %v", got)
	}
	if after := p.total() - p.PeakEnds(); after <= overloadRecoverySeconds*time.Second {
		t.Fatalf("the profile must run past the 10 s recovery window, runs %v after the peak", after)
	}
	if r := p.Rate(30 * time.Second); r != 40*28 {
		t.Fatalf("plateau rate %v", r)
	}
}

func TestOverloadChecksTheRefusedTheAcceptedAndTheRecovery(t *testing.T) {
	rec, _ := NewRecorder("")
	began := rec.began
	add := func(at time.Duration, code uint16, latency time.Duration, retryAfter bool) {
		h := http.Header{}
		if retryAfter {
			h.Set("Retry-After", "1")
		}
		rec.Add(&vegeta.Result{URL: "http://127.0.0.1/v1/meter-readings", Code: code, Latency: latency, Timestamp: began.Add(at), Headers: h, Body: []byte(`{"readingId":"r"}`)}, 40)
	}
	for i := 0; i < 100; i++ {
		add(time.Duration(i)*100*time.Millisecond, 202, 20*time.Millisecond, false)
	}
	for i := 0; i < 50; i++ {
		add(5*time.Second+time.Duration(i)*10*time.Millisecond, 503, 5*time.Millisecond, true)
	}
	o := summarizeOverload(rec, 4*time.Second)
	if !o.AllChecksMet || o.Shed != 50 || o.ShedWithRetryAfter != 50 || o.RecoverySeconds != 2 {
		t.Fatalf("graceful run judged wrongly: %+v", o)
	}

	// A refusal that took 2 s, a 503 without Retry-After, and errors 12 s after the peak: three failures.
	add(16*time.Second, 503, 2*time.Second, false)
	o = summarizeOverload(rec, 4*time.Second)
	failed := map[string]bool{}
	for _, c := range o.Checks {
		if !c.OK {
			failed[c.Name] = true
		}
	}
	for _, name := range []string{"503 without Retry-After", "longest wait ms", "errors back to 0 after the peak, s"} {
		if !failed[name] {
			t.Fatalf("%s should fail: %+v", name, o.Checks)
		}
	}
	if failed["accepted p99 ms"] {
		t.Fatalf("the accepted were fast: %+v", o.Checks)
	}
}
