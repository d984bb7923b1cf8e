package main

import (
	"fmt"
	"math"
	"time"
)

// A stage ramps the arrival rate linearly from the previous stage's target
// (or the profile's start rate) to its own target over its duration, like an
// arrival-rate executor's stages.
type Stage struct {
	Target   float64 // requests per second at the end of the stage
	Duration time.Duration
}

// Surge-day profiles, in multiples of the normal peak. "full" is the shape of
// 31 March 2022, compressed: normal peak, a ramp to 14x, a plateau, back.
func surgeStages(profile string, normalPeak, multiple float64) ([]Stage, error) {
	peak := normalPeak * multiple
	switch profile {
	case "full":
		return []Stage{
			{normalPeak, 20 * time.Second},
			{peak, 40 * time.Second},
			{peak, 90 * time.Second},
			{normalPeak, 20 * time.Second},
			{normalPeak, 10 * time.Second},
		}, nil
	case "overload":
		// Beyond capacity (run it at 28x): a short climb, a plateau, the drop, then long enough at the normal
		// peak (15 s) to see whether errors are back to 0 within 10 s of the peak passing.
		return []Stage{
			{normalPeak, 5 * time.Second},
			{peak, 10 * time.Second},
			{peak, 20 * time.Second},
			{normalPeak, 2 * time.Second},
			{normalPeak, 15 * time.Second},
		}, nil
	case "short":
		return []Stage{
			{normalPeak, 5 * time.Second},
			{peak, 10 * time.Second},
			{peak, 15 * time.Second},
			{normalPeak, 5 * time.Second},
		}, nil
	}
	return nil, fmt.Errorf("unknown surge profile %q (full, short, overload)", profile)
}

// StagedPacer is an open-model pacer: the n-th request is due at the instant
// the integral of the rate reaches n, whatever the server is doing. A slow
// server therefore never slows the offered load (no coordinated omission):
// vegeta starts another worker when every worker is busy.
type StagedPacer struct {
	Start  float64
	Stages []Stage
	// Scale multiplies every rate (requests per iteration: an iteration that
	// is a retry or a duplicate sends two requests).
	Scale float64
}

func (p StagedPacer) total() time.Duration {
	var d time.Duration
	for _, s := range p.Stages {
		d += s.Duration
	}
	return d
}

// Rate is the instantaneous rate in requests per second (vegeta.Pacer).
func (p StagedPacer) Rate(t time.Duration) float64 {
	from := p.Start
	for _, s := range p.Stages {
		if t <= s.Duration {
			frac := 0.0
			if s.Duration > 0 {
				frac = float64(t) / float64(s.Duration)
			}
			return p.scale() * (from + (s.Target-from)*frac)
		}
		t -= s.Duration
		from = s.Target
	}
	return 0
}

// hits is the number of requests due by t: the integral of the rate.
func (p StagedPacer) hits(t time.Duration) float64 {
	from, sum := p.Start, 0.0
	for _, s := range p.Stages {
		d := s.Duration.Seconds()
		if t <= s.Duration {
			x := t.Seconds()
			slope := 0.0
			if d > 0 {
				slope = (s.Target - from) / d
			}
			return p.scale() * (sum + from*x + slope*x*x/2)
		}
		sum += (from + s.Target) / 2 * d
		t -= s.Duration
		from = s.Target
	}
	return p.scale() * sum
}

func (p StagedPacer) scale() float64 {
	if p.Scale <= 0 {
		return 1
	}
	return p.Scale
}

// Pace implements vegeta.Pacer.
func (p StagedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	total := p.total()
	if elapsed >= total {
		return 0, true
	}
	next := float64(hits + 1)
	if p.hits(elapsed) >= next {
		return 0, false // behind schedule: send now
	}
	if p.hits(total) < next {
		return 0, true // nothing more is due before the end
	}
	// Binary search the instant the integral reaches hits+1 (monotonic).
	lo, hi := elapsed, total
	for i := 0; i < 40 && hi-lo > time.Microsecond; i++ {
		mid := lo + (hi-lo)/2
		if p.hits(mid) >= next {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi - elapsed, false
}

// ExpectedRequests is the number of requests the profile offers in all.
func (p StagedPacer) ExpectedRequests() int {
	return int(math.Floor(p.hits(p.total())))
}

// PeakEnds is when the profile's last stage at its peak rate ends: "after the peak passes" counts from here.
func (p StagedPacer) PeakEnds() time.Duration {
	var at, end time.Duration
	peak := 0.0
	for _, s := range p.Stages {
		if s.Target > peak {
			peak = s.Target
		}
	}
	for _, s := range p.Stages {
		at += s.Duration
		if s.Target == peak {
			end = at
		}
	}
	return end
}
