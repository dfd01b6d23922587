package siem

import (
	"strings"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// level is how much an event matters to whoever watches the receiver. It is
// chosen from the activity type alone, so that the same event gets the same
// level in every format.
type level int

const (
	levelInfo    level = iota // everything else
	levelNotice               // a change made through the Admin API or to the project
	levelWarning              // a failed or blocked attempt (…_FAILED, …_BLOCKED)
)

func levelOf(activityType string) level {
	if strings.HasSuffix(activityType, "_FAILED") || strings.HasSuffix(activityType, "_BLOCKED") {
		return levelWarning
	}
	if a, ok := auditlog.LookupActivity(activityType); ok && (a.Group == "admin_api" || a.Group == "project") {
		return levelNotice
	}
	return levelInfo
}
