package adminapitest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output/jsonscan"
)

// GenOptions says what Generate makes.
//
// Count events are spread uniformly over [Start, End); on top of them,
// Bursts seconds (also in [Start, End)) hold BurstSize events each, so
// Generate returns Count + Bursts*BurstSize events (plus the BurstSizes). Users users act in them;
// about one in twenty is deleted afterwards (left out of the returned users,
// so their events' user resolves to null). Nasty mixes hostile values into
// about one event in fifty.
type GenOptions struct {
	Seed      int64
	Count     int
	Start     time.Time // default: End minus 30 days
	End       time.Time // default: 2026-11-25T00:00:00Z
	Bursts    int
	BurstSize int
	// BurstSizes adds one more burst second for each size.
	BurstSizes []int
	Users      int    // default: Count/40, at least 10
	Nasty      bool   // ANSI and OSC 8 escapes, bidi overrides, formulas, emoji, long strings, empty IPs
	Project    string // data.context.app_id; default DefaultProjectID
}

// withDefaults fills what o leaves out, as the field comments say.
func (o GenOptions) withDefaults() GenOptions {
	if o.End.IsZero() {
		if o.Start.IsZero() {
			o.End = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
		} else {
			o.End = o.Start.Add(30 * 24 * time.Hour)
		}
	}
	if o.Start.IsZero() {
		o.Start = o.End.Add(-30 * 24 * time.Hour)
	}
	o.Start = o.Start.UTC().Truncate(time.Second)
	o.End = o.End.UTC().Truncate(time.Second)
	if o.Project == "" {
		o.Project = DefaultProjectID
	}
	if o.Users <= 0 {
		o.Users = max(10, o.Count/40)
	}
	return o
}

// Generate makes realistic audit events, oldest first (seq increasing), and
// the users that still exist. The result depends only on the options.
//
// Each event's data follows the Admin API's data object: id, seq, type
// (dotted), payload by kind (a user snapshot with standard attributes, a
// session, an identity, a recipient for messaging events, ...) and context
// (timestamp, user_id when there is a user, triggered_by, ip_address,
// user_agent, client_id, app_id, geo_location_code which is sometimes null,
// preferred_languages, language, audit_context), keys in alphabetical
// order, about 1.2 KB on average. Every activity type of the API occurs when
// Count is at least twice the number of types; common ones
// (USER_AUTHENTICATED, messages) dominate and admin ones are rare.
func Generate(o GenOptions) ([]Event, []User) {
	o = o.withDefaults()
	span := int64(o.End.Sub(o.Start) / time.Second)
	if span <= 0 {
		span = 1
	}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed))
	cat := auditlog.Catalog()

	g := &generator{o: o, cat: cat}
	g.makeUsers(rng)
	pick := newTypePicker(cat)

	sizes := slices.Repeat([]int{max(0, o.BurstSize)}, max(0, o.Bursts))
	sizes = append(sizes, o.BurstSizes...)
	total := o.Count
	for _, n := range sizes {
		total += max(0, n)
	}
	plans := make([]plan, 0, total)
	for i := range o.Count {
		t := pick.pick(rng)
		if o.Count >= 2*len(cat) && i < len(cat) {
			t = i // every type at least once
		}
		plans = append(plans, plan{at: rng.Int64N(span), typ: int32(t), user: int32(rng.IntN(len(g.users)))})
	}
	burstPick := newBurstPicker(cat)
	for _, n := range sizes {
		at := rng.Int64N(span)
		for range max(0, n) {
			plans = append(plans, plan{at: at, typ: int32(burstPick.pick(rng)), user: int32(rng.IntN(len(g.users)))})
		}
	}
	// Oldest first; seq grows with time as the server assigns it.
	slices.SortStableFunc(plans, func(a, b plan) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})

	events := make([]Event, len(plans))
	workers := min(runtime.GOMAXPROCS(0), 8)
	var wg sync.WaitGroup
	chunk := (len(plans) + workers - 1) / max(workers, 1)
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(plans))
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pcg := rand.NewPCG(0, 0)
			r := rand.New(pcg)
			buf := make([]byte, 0, 8192)
			for i := lo; i < hi; i++ {
				pcg.Seed(uint64(o.Seed), uint64(i)+1)
				events[i], buf = g.event(r, int64(i)+1, plans[i], buf)
			}
		}()
	}
	wg.Wait()

	live := make([]User, 0, len(g.users))
	for _, u := range g.users {
		if !u.deleted {
			live = append(live, u.User)
		}
	}
	return events, live
}

type plan struct {
	at   int64 // seconds after Start
	typ  int32 // index into the catalog
	user int32 // index into users
}

type genUser struct {
	User
	name     string
	created  time.Time
	deleted  bool
	snapshot json.RawMessage // payload.user
}

type generator struct {
	o     GenOptions
	cat   []auditlog.ActivityType
	users []genUser
}

var givenNames = []string{"Alice", "Bob", "Chan Tai Man", "Daniela", "Emeka", "Fatima", "Grace", "Hiroshi", "Ingrid", "José", "Kofi", "Lena", "Mei Ling", "Noah", "Olga", "Priya"}

var nastyNames = []string{
	"Zoë 山田 محمد",
	"\x1b[31mRED\x1b[0m admin",
	"\u202Eevil\u202C user",
	"=HYPERLINK(\"http://x\",\"y\")",
	"😀🔥 emoji user",
	"\x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
}

// uuid returns a random version 4 UUID drawn from r.
func uuid(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	a = a&^(0xf<<12) | 0x4<<12 // version 4
	b = b&^(0x3<<62) | 0x2<<62 // RFC 4122 variant
	var out [36]byte
	put := func(pos int, v uint64, digits int) {
		for i := digits - 1; i >= 0; i-- {
			out[pos+i] = jsonscan.HexDigits[v&0xf]
			v >>= 4
		}
	}
	put(0, a>>32, 8)
	out[8] = '-'
	put(9, a>>16, 4)
	out[13] = '-'
	put(14, a, 4)
	out[18] = '-'
	put(19, b>>48, 4)
	out[23] = '-'
	put(24, b, 12)
	return string(out[:])
}

func (g *generator) makeUsers(rng *rand.Rand) {
	g.users = make([]genUser, g.o.Users)
	for i := range g.users {
		u := &g.users[i]
		u.ID = uuid(rng)
		name := givenNames[rng.IntN(len(givenNames))]
		if g.o.Nasty && rng.IntN(10) == 0 {
			name = nastyNames[rng.IntN(len(nastyNames))]
		}
		u.name = name
		u.Email = fmt.Sprintf("user%d@example.com", i+1)
		if rng.IntN(3) == 0 {
			u.Phone = fmt.Sprintf("+8529%07d", rng.IntN(10_000_000))
		}
		if rng.IntN(4) == 0 {
			u.Username = fmt.Sprintf("user_%d", i+1)
		}
		u.created = g.o.Start.Add(-time.Duration(rng.IntN(365*24)) * time.Hour)
		u.deleted = rng.IntN(20) == 0
		std := map[string]any{
			"email":          u.Email,
			"email_verified": true,
			"name":           u.name,
			"given_name":     strings.Fields(u.name + " x")[0],
			"locale":         []string{"en", "zh-HK", "ja", "de"}[rng.IntN(4)],
			"zoneinfo":       []string{"Asia/Hong_Kong", "Europe/London", "America/New_York", "Asia/Tokyo"}[rng.IntN(4)],
			"updated_at":     u.created.Unix(),
		}
		if u.Phone != "" {
			std["phone_number"] = u.Phone
			std["phone_number_verified"] = rng.IntN(2) == 0
		}
		if u.Username != "" {
			std["preferred_username"] = u.Username
		}
		snap := map[string]any{
			"id":                  u.ID,
			"created_at":          u.created.Format(time.RFC3339),
			"updated_at":          u.created.Add(48 * time.Hour).Format(time.RFC3339),
			"last_login_at":       u.created.Add(72 * time.Hour).Format(time.RFC3339),
			"is_anonymous":        false,
			"is_verified":         true,
			"is_disabled":         false,
			"is_deactivated":      false,
			"is_anonymized":       false,
			"can_reauthenticate":  true,
			"standard_attributes": std,
			"custom_attributes":   map[string]any{},
			"roles":               []string{},
			"groups":              []string{},
			"authenticators":      []string{"password"},
		}
		u.snapshot = appendJSON(nil, snap)
	}
}

// typePicker draws activity types with realistic weights.
type typePicker struct{ cum []float64 }

func weightOf(a auditlog.ActivityType) float64 {
	switch a.Enum {
	case "USER_AUTHENTICATED":
		return 300
	case "EMAIL_SENT":
		return 90
	case "SMS_SENT":
		return 50
	case "AUTHENTICATION_PRIMARY_PASSWORD_FAILED":
		return 45
	case "USER_SIGNED_OUT":
		return 40
	case "USER_CREATED":
		return 30
	case "USER_SESSION_TERMINATED", "USER_PROFILE_UPDATED", "USER_REAUTHENTICATED":
		return 20
	case "WHATSAPP_SENT", "AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED", "RATE_LIMIT_BLOCKED":
		return 12
	}
	switch a.Group {
	case "user", "authentication", "messaging":
		return 4
	case "identity":
		return 3
	case "other":
		return 1
	case "admin_api":
		return 0.3
	case "project":
		return 0.15
	}
	return 1
}

func newTypePicker(cat []auditlog.ActivityType) *typePicker {
	p := &typePicker{}
	sum := 0.0
	for _, a := range cat {
		sum += weightOf(a)
		p.cum = append(p.cum, sum)
	}
	return p
}

func (p *typePicker) pick(r *rand.Rand) int {
	x := r.Float64() * p.cum[len(p.cum)-1]
	i, _ := slices.BinarySearch(p.cum, x)
	return min(i, len(p.cum)-1)
}

// newBurstPicker weights a burst like a login storm: sign-ins, failed
// passwords, rate limits and OTP messages.
func newBurstPicker(cat []auditlog.ActivityType) *typePicker {
	p := &typePicker{}
	sum := 0.0
	for _, a := range cat {
		w := 0.0
		switch a.Enum {
		case "USER_AUTHENTICATED":
			w = 50
		case "AUTHENTICATION_PRIMARY_PASSWORD_FAILED":
			w = 25
		case "RATE_LIMIT_BLOCKED", "SMS_SENT", "EMAIL_SENT":
			w = 8
		case "AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED", "BOT_PROTECTION_VERIFICATION_FAILED":
			w = 4
		}
		sum += w
		p.cum = append(p.cum, sum)
	}
	if sum == 0 {
		return newTypePicker(cat)
	}
	return p
}

var userAgents = []string{
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36",
	"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
	"MyApp/4.2.1 (com.example.myapp; build:1207; iOS 18.1.0) Alamofire/5.9.1",
	"okhttp/4.12.0",
}

var nastyAgents = []string{
	"\x1b[31mEvil\x1b[0m/1.0 \x1b[2J\x1b[H",
	"\x1b]8;;http://evil.example/\x1b\\Totally Safari\x1b]8;;\x1b\\",
	"Mozilla/5.0 \u202Egnp.exe\u202C (bidi)",
	"=HYPERLINK(\"http://x\",\"y\")",
	"+cmd|' /C calc'!A0",
	"@SUM(1+1)*cmd|' /C calc'!A0",
	"-2+3",
	"curl/8.5.0 😈🔥\tTAB\r\nCRLF",
	"Bot/" + strings.Repeat("A", 3000),
}

var clientIDs = []string{"portal-web", "a3f9c2d1e8b7", "mobile-ios", "mobile-android"}
var geoCodes = []string{"HK", "US", "GB", "JP", "SG", "DE", "TW", "AU"}
var languages = [][]string{{"en"}, {"zh-HK", "en"}, {"ja"}, {"en-GB", "en"}, {"de"}}

func (g *generator) ip(r *rand.Rand) string {
	if r.IntN(10) == 0 {
		return "2001:db8:" + strconv.FormatInt(int64(r.IntN(0xffff)), 16) + ":" + strconv.FormatInt(int64(r.IntN(0xffff)), 16) +
			"::" + strconv.FormatInt(int64(r.IntN(0xffff)+1), 16)
	}
	n := strconv.Itoa(r.IntN(254) + 1)
	switch r.IntN(3) {
	case 0:
		return "203.0.113." + n
	case 1:
		return "198.51.100." + n
	}
	return "192.0.2." + n
}

// event builds event number seq from its plan.
// buf is scratch space, returned for reuse.
func (g *generator) event(r *rand.Rand, seq int64, p plan, buf []byte) (Event, []byte) {
	a := g.cat[p.typ]
	u := &g.users[p.user]
	at := g.o.Start.Add(time.Duration(p.at) * time.Second)
	nasty := g.o.Nasty && r.IntN(50) == 0

	id := uuid(r)
	ip := g.ip(r)
	ua := userAgents[r.IntN(len(userAgents))]
	client := clientIDs[r.IntN(len(clientIDs))]
	triggeredBy := "user"
	withUser := true
	payload := map[string]any{}

	switch a.Group {
	case "user", "identity":
		payload["user"] = u.snapshot
	case "authentication":
		payload["user"] = u.snapshot
		switch a.Enum {
		case "AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED":
			withUser = false
			delete(payload, "user")
			payload["login_id"] = fmt.Sprintf("unknown%d@example.net", r.IntN(1000))
		case "RATE_LIMIT_BLOCKED", "BOT_PROTECTION_VERIFICATION_FAILED", "AUTHENTICATION_BLOCKED":
			if r.IntN(2) == 0 {
				withUser = false
				delete(payload, "user")
			}
			payload["rate_limit"] = map[string]any{"name": "authentication.general", "bucket": "ip:" + ip}
		}
	case "messaging":
		recipient := u.Email
		if !strings.HasPrefix(a.Enum, "EMAIL_") {
			recipient = u.Phone
			if recipient == "" {
				recipient = fmt.Sprintf("+4477009%05d", r.IntN(100000))
			}
		}
		if r.IntN(10) == 0 {
			withUser = false // e.g. a sign-up OTP to an address nobody owns yet
			if strings.HasPrefix(a.Enum, "EMAIL_") {
				recipient = fmt.Sprintf("signup%d@example.org", r.IntN(100000))
			}
		}
		payload["recipient"] = recipient
		payload["type"] = []string{"verification", "authentication", "forgot_password", "setup_primary_oob"}[r.IntN(4)]
		if strings.HasSuffix(a.Enum, "_ERROR") {
			payload["error"] = "provider returned 503"
		}
	case "admin_api":
		triggeredBy = "admin_api"
		client = ""
		ua = "authgear-admin-client/1.0"
		withUser = r.IntN(3) != 0
		if withUser {
			payload["user_ref"] = map[string]any{"id": u.ID}
		}
		payload["mutation"] = strings.TrimSuffix(strings.TrimPrefix(a.EventType, "admin_api.mutation."), ".executed")
		payload["variables"] = map[string]any{"userID": UserNodeID(u.ID)}
	case "project":
		triggeredBy = "portal"
		withUser = false
		client = "portal"
		payload["actor"] = map[string]any{"id": uuid(r), "email": "owner@example.com"}
		payload["app_id"] = g.o.Project
	default:
		switch a.Enum {
		case "USAGE_ALERT_TRIGGERED":
			triggeredBy = "system"
			withUser = false
			client = ""
			ua = ""
			ip = ""
			payload["usage"] = map[string]any{"name": "sms", "current": 900 + r.IntN(100), "limit": 1000}
		case "M2M_TOKEN_CREATED":
			withUser = false
			payload["client_id"] = client
		default:
			payload["user"] = u.snapshot
			payload["decision"] = map[string]any{"action": "allowed", "score": r.Float64()}
		}
	}
	if a.Enum == "USER_AUTHENTICATED" || a.Enum == "USER_SIGNED_OUT" || a.Enum == "USER_SESSION_TERMINATED" || a.Enum == "USER_REAUTHENTICATED" {
		payload["session"] = map[string]any{
			"id":               uuid(r),
			"type":             "idp",
			"amr":              []string{"pwd", "otp"}[:1+r.IntN(2)],
			"created_at":       at.Format(time.RFC3339),
			"last_accessed_at": at.Format(time.RFC3339),
			"display_name":     ua,
		}
	}
	if a.Group == "identity" {
		payload["identity"] = map[string]any{
			"id":         uuid(r),
			"type":       "login_id",
			"claims":     map[string]any{"email": u.Email},
			"created_at": at.Format(time.RFC3339),
		}
	}

	var geo any = geoCodes[r.IntN(len(geoCodes))]
	if r.IntN(8) == 0 {
		geo = nil
	}
	langs := languages[r.IntN(len(languages))]
	path := []string{"/login", "/signup", "/settings", "/oauth2/authorize", "/_api/admin/graphql"}[r.IntN(5)]
	if triggeredBy == "admin_api" {
		path = "/_api/admin/graphql"
	}
	if nasty {
		switch r.IntN(4) {
		case 0:
			ip = ""
		case 1:
			client = nastyAgents[r.IntN(len(nastyAgents))]
		}
		ua = nastyAgents[r.IntN(len(nastyAgents))]
		payload["note"] = nastyNames[r.IntN(len(nastyNames))]
	}
	ctx := map[string]any{
		"timestamp":           at.Unix(),
		"triggered_by":        triggeredBy,
		"ip_address":          ip,
		"user_agent":          ua,
		"client_id":           client,
		"app_id":              g.o.Project,
		"geo_location_code":   geo,
		"preferred_languages": langs,
		"language":            langs[0],
		"audit_context": map[string]any{
			"http_url":     "https://" + g.o.Project + ".authgear.cloud" + path,
			"http_referer": "https://" + g.o.Project + ".authgear.cloud/",
			"request_id":   uuid(r),
		},
	}
	userID := ""
	if withUser {
		userID = u.ID
		ctx["user_id"] = userID
	} else if p, ok := payload["user"]; ok && p != nil {
		delete(payload, "user")
	}
	data := map[string]any{
		"id":      id,
		"seq":     seq,
		"type":    a.EventType,
		"payload": payload,
		"context": ctx,
	}
	buf = appendJSON(buf[:0], data)
	b := append([]byte(nil), buf...) // exact size: a million events are held
	recipient, _ := payload["recipient"].(string)
	return Event{
		ID:           id,
		Seq:          seq,
		CreatedAt:    at,
		ActivityType: a.Enum,
		UserID:       userID,
		Recipient:    recipient,
		IPAddress:    ip,
		UserAgent:    ua,
		ClientID:     client,
		Data:         b,
	}, buf
}

// Record returns the event as authgear-audit emits it: raw ID, createdAt,
// activity type, user ID from data.context.user_id, the request fields
// (left out of JSON when empty) and data verbatim.
func (e *Event) Record() auditlog.Event {
	return auditlog.Event{
		ID:           e.ID,
		CreatedAt:    e.CreatedAt.UTC(),
		ActivityType: e.ActivityType,
		UserID:       e.UserID,
		IPAddress:    e.IPAddress,
		UserAgent:    e.UserAgent,
		ClientID:     e.ClientID,
		Data:         e.Data,
	}
}
