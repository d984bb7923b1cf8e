// Integration and e2e tests talk to real servers on a 2-core machine that is
// also running them: allow them time (speed is measured in benchmarks, not here).
jest.setTimeout(120000);
