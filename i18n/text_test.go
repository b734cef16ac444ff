package i18n

import (
	"net/http/httptest"
	"testing"
)

func TestLanguageChoice(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "en-US,en;q=0.9")
	if FromRequest(r) != ZH {
		t.Fatal("pages are in Chinese until the user switches")
	}
	if Negotiate(r) != EN {
		t.Fatal("the API follows Accept-Language")
	}
	r.Header.Set("Cookie", "lang=en")
	if FromRequest(r) != EN {
		t.Fatal("the switch's cookie chooses English")
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "lang=zh-CN")
	r.Header.Set("Accept-Language", "en")
	if Negotiate(r) != ZH {
		t.Fatal("the cookie wins over Accept-Language")
	}
}

func TestText(t *testing.T) {
	x := T("共 %d 所", "%d schools", 3)
	if x.In(ZH) != "共 3 所" || x.In(EN) != "3 schools" || x.String() != "共 3 所 (3 schools)" {
		t.Fatal(x)
	}
	if ParseLang("EN-gb") != EN || ParseLang("fr") != ZH {
		t.Fatal("ParseLang")
	}
}
