package audit

import "edubureau/auth"

// Actor is who does something and from where, as the audit log records it.
// Duty packages take an Actor with each change and write the entry in the
// same transaction as the change.
type Actor struct {
	UserID    int64
	Username  string
	OrgKind   string
	OrgCode   string
	IP        string
	RequestID string
	Reason    string // why, when the user gave a reason
}

// ActorOf describes a signed-in user (or an API token) acting from ip in request requestID.
func ActorOf(u auth.User, ip, requestID string) Actor {
	name := u.Username
	if u.TokenName != "" && name == "" {
		name = "token:" + u.TokenName
	}
	return Actor{UserID: u.ID, Username: name, OrgKind: u.OrgKind, OrgCode: u.OrgCode, IP: ip, RequestID: requestID}
}

// ByActor fills the entry's who, where and request from a.
func (e Entry) ByActor(a Actor) Entry {
	e.UserID, e.Username, e.OrgKind, e.OrgCode, e.IP, e.RequestID = a.UserID, a.Username, a.OrgKind, a.OrgCode, a.IP, a.RequestID
	if e.Detail == "" {
		e.Detail = a.Reason
	}
	return e
}
