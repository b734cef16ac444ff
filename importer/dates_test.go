package importer

import (
	"strings"
	"testing"
)

func TestNormalizeDate(t *testing.T) {
	for in, want := range map[string]string{
		"2015-09-01": "2015-09-01", "2015/9/1": "2015-09-01", "2015.9.1": "2015-09-01", "2015年9月1日": "2015-09-01",
		"20150901": "2015-09-01", "２０１５－０９－０１": "2015-09-01", "2015-09-01 00:00:00": "2015-09-01", "2016-02-29": "2016-02-29",
	} {
		if got, msg := NormalizeDate(in); got != want || msg != nil {
			t.Errorf("%q: %q %v", in, got, msg)
		}
	}
	for in, why := range map[string]string{
		"2015-02-31": "2 月只有 28 天", "2015-02-29": "2 月只有 28 天", "2015-13-01": "没有 13 月", "2015-9": "不是日期",
		"昨天": "不是日期", "15-09-01": "不是日期", "2015-04-31": "4 月只有 30 天",
	} {
		if _, msg := NormalizeDate(in); msg == nil || !strings.Contains(msg.ZH, why) || msg.EN == "" {
			t.Errorf("%q: %v, want %q", in, msg, why)
		}
	}
}
