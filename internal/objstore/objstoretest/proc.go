package objstoretest

import (
	"bytes"
	"fmt"
	"os/exec"
	"sync"
	"testing"
)

// process is a server program started by a test and killed by its
// clean-up: SIGKILL by PID, since SeaweedFS ignores SIGTERM for a long
// time. Its output is kept to show when it fails to start.
type process struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

func start(t testing.TB, name string, args ...string) *process {
	t.Helper()
	p, err := startProcess(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)
	return p
}

// startProcess starts a server program; the caller must kill it.
func startProcess(name string, args ...string) (*process, error) {
	p := &process{cmd: exec.Command(name, args...), out: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	setDeathSignal(p.cmd)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// kill kills the program and waits for it to go.
func (p *process) kill() {
	_ = p.cmd.Process.Kill() // SIGKILL on Unix
	<-p.exited
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
