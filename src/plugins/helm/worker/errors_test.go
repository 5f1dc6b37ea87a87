package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestCodeOf(t *testing.T) {
	located := withCode(codeChartNotFound, errors.New(`chart "x" version "9" not found`))
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"the step's code", located, codeChartNotFound},
		{"wrapped further", fmt.Errorf("INSTALLATION FAILED: %w", located), codeChartNotFound},
		{"the outermost step named", withCode(codeInstallFailed, located), codeInstallFailed},
		{"joined", errors.Join(errors.New("adopting"), located), codeChartNotFound},
		{"no code: the operation's", errors.New("boom"), codeUpgradeFailed},
		{"a deadline wins over the step", withCode(codeInstallFailed, fmt.Errorf("failed pre-install: %w", context.DeadlineExceeded)), codeTimeout},
		{"a cancellation wins over the step", withCode(codeUpgradeFailed, fmt.Errorf("uninstall of r: %w", context.Canceled)), codeCancelled},
	}
	for _, c := range cases {
		if got := codeOf(c.err, codeUpgradeFailed); got != c.want {
			t.Errorf("%s: codeOf = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestOperationCodeFollowsWhatSpeExpects(t *testing.T) {
	cases := map[*request]string{
		{Op: opUpgradeInstall, Existing: existingLive}:        codeUpgradeFailed,
		{Op: opUpgradeInstall, Existing: existingNone}:        codeInstallFailed,
		{Op: opUpgradeInstall, Existing: existingUninstalled}: codeInstallFailed,
		{Op: opRollback}:  codeRollbackFailed,
		{Op: opUninstall}: codeUninstallFailed,
		{Op: opTemplate}:  codeRenderFailed,
		{Op: "nope"}:      codeBadRequest,
	}
	for req, want := range cases {
		if got := operationCode(req); got != want {
			t.Errorf("%s (existing %q): %q, want %q", req.Op, req.Existing, got, want)
		}
	}
}
