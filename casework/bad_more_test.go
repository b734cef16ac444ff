package casework

import (
	"context"
	"testing"

	"edubureau/db"
	"edubureau/db/dbtest"
	"edubureau/fault"
)

// TestNewTypesRefuseBadSteps: for each case type added with the annual
// check, the same bad input is refused with nothing changed — a step not
// allowed from the case's state, a step by a reader, a step without its
// required document, a step dated before the case was received, and the
// one extension asked for twice.
func TestNewTypesRefuseBadSteps(t *testing.T) {
	type stepIn struct {
		code   string
		fields map[string]string
		docs   []string
	}
	cases := []struct {
		typ, school string
		open        map[string]string
		notHere     string // a step not allowed from the opening state
		needsDoc    stepIn // a step from the opening state, its document left out
		toExtend    []stepIn
		extend      stepIn
	}{
		{typ: LicenceRenewal, school: "2143000101", notHere: "issue_certificate",
			needsDoc: stepIn{"notify_supplement", map[string]string{"items": "x"}, nil},
			toExtend: []stepIn{{"accept", nil, nil}},
			extend:   stepIn{"extend", map[string]string{"approved_by": "局长"}, []string{"extension_approval"}}},
		{typ: TrainingLicence, open: map[string]string{"matter": "change"}, school: "9243000106", notHere: "hold_hearing",
			needsDoc: stepIn{"notify_supplement", map[string]string{"items": "x"}, nil},
			toExtend: []stepIn{{"notify_supplement", map[string]string{"items": "收费标准公示材料"}, []string{"supplement_notice"}}, {"supplement", nil, nil}},
			extend:   stepIn{"extend", map[string]string{"approved_by": "局长"}, []string{"extension_approval"}}},
		{typ: TrainingCase, open: map[string]string{"violation": "unlicensed"}, school: "9243000106", notHere: "recheck_pass",
			needsDoc: stepIn{"penalise", map[string]string{"decision_no": "x", "measures": "x"}, nil},
			toExtend: []stepIn{{"order_rectification", map[string]string{"items": "x", "rectify_by": "2026-06-30"}, []string{"rectification_notice"}}},
			extend:   stepIn{"extend_rectification", map[string]string{"approved_by": "科长"}, []string{"extension_approval"}}},
		{typ: Litigation, open: map[string]string{"court": "法院", "court_case_no": "（2026）湘0405行初1号", "plaintiff": "某", "claims": "撤销"},
			notHere: "become_final", needsDoc: stepIn{"file_defence", nil, []string{"defence"}}, // evidence left out
			extend: stepIn{"extend_defence", map[string]string{"approved_by": "法院"}, []string{"extension_approval"}}},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := withSchools(t, d)
		e := newEngine(t, d, "2026-06-10")
		e.Hooks = RegistryHooks(reg)
		for _, tc := range cases {
			t.Run(tc.typ, func(t *testing.T) {
				ty, _ := e.Type(tc.typ)
				c, err := e.Open(ctx, tc.typ, OpenInput{Subject: "错误输入 " + tc.typ, CountyCode: "430405", SchoolCode: tc.school,
					ReceivedOn: date(t, "2026-06-01"), Fields: tc.open, Documents: []Upload{doc(ty.Documents[0].Code)}}, clerk)
				if err != nil {
					t.Fatal(err)
				}
				in := func(s stepIn) Input {
					i := Input{Fields: s.fields, Reason: "理由"}
					for _, k := range s.docs {
						i.Documents = append(i.Documents, doc(k))
					}
					return i
				}
				refused := func(what, step string, i Input, by Actor, kind fault.Kind, field string) {
					t.Helper()
					before := snap(t, e, c.ID)
					_, err := e.Take(ctx, c.ID, step, i, by)
					wantKind(t, err, kind)
					if field != "" && !names(err, field) {
						t.Errorf("%s: %v does not name %s", what, err, field)
					}
					if after := snap(t, e, c.ID); after != before {
						t.Errorf("%s changed the case: %+v → %+v", what, before, after)
					}
				}
				refused("not from this state", tc.notHere, Input{Reason: "x"}, clerk, fault.Conflict, "")
				refused("a reader", tc.needsDoc.code, in(tc.needsDoc), viewerActor(), fault.Forbidden, "")
				refused("no document", tc.needsDoc.code, in(tc.needsDoc), clerk, fault.Invalid, "documents")
				early := in(tc.needsDoc)
				for _, k := range ty.Transitions {
					if k.Code == tc.needsDoc.code {
						for _, dk := range k.Documents {
							early.Documents = append(early.Documents, doc(dk))
						}
					}
				}
				early.On = date(t, "2026-05-31")
				refused("before received", tc.needsDoc.code, early, clerk, fault.Invalid, "on")
				for _, s := range tc.toExtend {
					i := in(s)
					i.On = date(t, "2026-06-03")
					if c, err = e.Take(ctx, c.ID, s.code, i, clerk); err != nil {
						t.Fatalf("%s: %v", s.code, err)
					}
				}
				i := in(tc.extend)
				i.On = date(t, "2026-06-04")
				if c, err = e.Take(ctx, c.ID, tc.extend.code, i, clerk); err != nil || !c.Extended {
					t.Fatalf("the extension: %v", err)
				}
				refused("extension twice", tc.extend.code, in(tc.extend), clerk, fault.Conflict, "")
			})
		}
	})
}
