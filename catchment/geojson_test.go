package catchment

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"edubureau/fault"
)

const sampleGeoJSON = `{
  "type": "FeatureCollection",
  "features": [
    {"type": "Feature", "id": 1,
     "properties": {"zone": "YF-01", "name": "雁峰一片", "schools": ["2143000001"], "note": "ignored"},
     "geometry": {"type": "Polygon", "coordinates": [
       [[112.60, 26.88], [112.62, 26.88], [112.62, 26.90], [112.60, 26.90], [112.60, 26.88]],
       [[112.605, 26.885], [112.605, 26.887, 55.5], [112.607, 26.887], [112.607, 26.885], [112.605, 26.885]]
     ]}},
    {"type": "Feature",
     "properties": {"zone": "YF-02", "schools": ["2143000002", "3143000003"]},
     "geometry": {"type": "MultiPolygon", "coordinates": [
       [[[112.62, 26.88], [112.64, 26.88], [112.64, 26.90], [112.62, 26.90], [112.62, 26.88]]],
       [[[112.70, 26.95], [112.71, 26.95], [112.71, 26.96], [112.70, 26.95]]]
     ]}}
  ]
}`

func TestReadZones(t *testing.T) {
	zones, err := ReadZones(strings.NewReader(sampleGeoJSON), "sample.geojson")
	if err != nil {
		t.Fatal(err)
	}
	want := []Zone{
		{Code: "YF-01", Name: "雁峰一片", Schools: []string{"2143000001"}, Polygons: []Polygon{{
			{{112.60, 26.88}, {112.62, 26.88}, {112.62, 26.90}, {112.60, 26.90}, {112.60, 26.88}},
			{{112.605, 26.885}, {112.605, 26.887}, {112.607, 26.887}, {112.607, 26.885}, {112.605, 26.885}},
		}}},
		{Code: "YF-02", Schools: []string{"2143000002", "3143000003"}, Polygons: []Polygon{
			{{{112.62, 26.88}, {112.64, 26.88}, {112.64, 26.90}, {112.62, 26.90}, {112.62, 26.88}}},
			{{{112.70, 26.95}, {112.71, 26.95}, {112.71, 26.96}, {112.70, 26.95}}},
		}},
	}
	if !reflect.DeepEqual(zones, want) {
		t.Fatalf("ReadZones =\n%+v\nwant\n%+v", zones, want)
	}
}

func TestReadZonesErrors(t *testing.T) {
	feature := func(props, geom string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}]}`
	}
	const okProps = `{"zone":"Z1","schools":["2143000001"]}`
	const okGeom = `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`
	poly := func(ring string) string { return `{"type":"Polygon","coordinates":[` + ring + `]}` }
	tests := []struct {
		name, input string
		want        []string // substrings of the English message
		wantZH      string   // a substring of the Chinese message
	}{
		{"invalid JSON", `{"type": "FeatureCollection",` + "\n" + `"features": [}`, []string{"t.geojson: not valid JSON (line 2, column"}, "不是有效的 JSON"},
		{"empty input", ``, []string{"not valid JSON"}, "不是有效的 JSON"},
		{"trailing garbage", `{"type":"FeatureCollection","features":[]} x`, []string{"not valid JSON"}, "不是有效的 JSON"},
		{"top level array", `[]`, []string{"the top level is not a JSON object"}, "顶层不是 JSON 对象"},
		{"not a FeatureCollection", `{"type":"Feature","properties":{},"geometry":null}`, []string{"not a GeoJSON FeatureCollection"}, "不是 GeoJSON FeatureCollection"},
		{"type in the wrong case", `{"TYPE":"FeatureCollection","features":[]}`, []string{"not a GeoJSON FeatureCollection"}, "FeatureCollection"},
		{"no features", `{"type":"FeatureCollection"}`, []string{`no "features" array`}, "缺少 features"},
		{"feature not a Feature", `{"type":"FeatureCollection","features":[{"type":"Polygon"}]}`, []string{"features[0]: not a GeoJSON Feature"}, "要素 features[0]"},
		{"no properties", feature(`null`, okGeom), []string{"features[0]", `"properties" object is missing`}, "缺少属性对象"},
		{"missing zone", feature(`{"schools":["2143000001"]}`, okGeom), []string{"features[0]", `zone code (property "zone") is missing`}, "缺少片区代码"},
		{"zone not a string", feature(`{"zone":7,"schools":["2143000001"]}`, okGeom), []string{`property "zone" must be a string`}, "zone 应为字符串"},
		{"zone with spaces", feature(`{"zone":" Z1","schools":["2143000001"]}`, okGeom), []string{"leading or trailing spaces"}, "首尾有空白"},
		{"name not a string", feature(`{"zone":"Z1","name":1,"schools":["2143000001"]}`, okGeom), []string{"features[0] (zone Z1)", `"name" must be a string`}, "片区 Z1"},
		{"missing schools", feature(`{"zone":"Z1"}`, okGeom), []string{"features[0] (zone Z1)", "names no school"}, "未指定学校"},
		{"empty schools", feature(`{"zone":"Z1","schools":[]}`, okGeom), []string{"names no school"}, "未指定学校"},
		{"schools not an array", feature(`{"zone":"Z1","schools":"2143000001"}`, okGeom), []string{`"schools" must be an array of strings`}, "字符串数组"},
		{"school not 10 digits", feature(`{"zone":"Z1","schools":["214300001"]}`, okGeom), []string{`schools[0] "214300001" is not a 10-digit school identifier`}, "不是 10 位学校标识码"},
		{"school repeated", feature(`{"zone":"Z1","schools":["2143000001","2143000001"]}`, okGeom), []string{"listed twice"}, "重复列出"},
		{"no geometry", feature(okProps, `null`), []string{`"geometry" object is missing`}, "缺少几何对象"},
		{"unsupported geometry", feature(okProps, `{"type":"Point","coordinates":[0,0]}`), []string{`features[0] (zone Z1): unsupported geometry type "Point"`}, "不支持的几何类型"},
		{"geometry collection", feature(okProps, `{"type":"GeometryCollection","geometries":[]}`), []string{`unsupported geometry type "GeometryCollection"`}, "不支持的几何类型"},
		{"coordinates not numbers", feature(okProps, `{"type":"Polygon","coordinates":[[["a","b"]]]}`), []string{"Polygon's coordinates must be"}, "coordinates 应为"},
		{"polygon without rings", feature(okProps, `{"type":"Polygon","coordinates":[]}`), []string{"polygon 1 has no ring"}, "没有环"},
		{"empty multipolygon", feature(okProps, `{"type":"MultiPolygon","coordinates":[]}`), []string{"MultiPolygon has no polygon"}, "没有多边形"},
		{"position of one number", feature(okProps, poly(`[[0,0],[1],[1,1],[0,0]]`)), []string{"polygon 1, ring 1, position 2 must have 2 or 3 numbers"}, "2 或 3 个数"},
		{"ring of three positions", feature(okProps, poly(`[[0,0],[1,0],[0,0]]`)), []string{"polygon 1, outer ring has 3 positions; at least 4 are needed"}, "至少需要 4 个"},
		{"ring not closed", feature(okProps, poly(`[[0,0],[1,0],[1,1],[0,1]]`)), []string{"polygon 1, outer ring is not closed"}, "未闭合"},
		{"hole not closed", feature(okProps, poly(`[[0,0],[4,0],[4,4],[0,0]],[[1,1],[2,1],[2,2],[1,2]]`)), []string{"polygon 1, ring 2 is not closed"}, "第 2 个环未闭合"},
		{"latitude out of range", feature(okProps, poly(`[[0,0],[1,0],[1,95],[0,0]]`)), []string{"position 3 [1, 95] is out of range"}, "超出范围"},
		{"longitude out of range", feature(okProps, poly(`[[0,0],[181,0],[1,1],[0,0]]`)), []string{"position 2 [181, 0] is out of range"}, "超出范围"},
		{"lat,lng swapped out of range", feature(okProps, poly(`[[26.9,112.6],[26.91,112.6],[26.91,112.61],[26.9,112.6]]`)), []string{"out of range"}, "超出范围"},
		{"huge number", feature(okProps, poly(`[[0,0],[1e400,0],[1,1],[0,0]]`)), []string{"coordinates must be"}, "coordinates 应为"},
		{"no area", feature(okProps, poly(`[[0,0],[1,1],[2,2],[0,0]]`)), []string{"encloses no area"}, "面积为零"},
		{"duplicate zone code", `{"type":"FeatureCollection","features":[` +
			`{"type":"Feature","properties":` + okProps + `,"geometry":` + okGeom + `},` +
			`{"type":"Feature","properties":` + okProps + `,"geometry":` + okGeom + `}]}`,
			[]string{"features[1] (zone Z1): the zone code repeats that of features[0]"}, "重复"},
	}
	for _, tt := range tests {
		zones, err := ReadZones(strings.NewReader(tt.input), "t.geojson")
		if err == nil {
			t.Errorf("%s: no error, zones %+v", tt.name, zones)
			continue
		}
		if k := fault.KindOf(err); k != fault.Invalid {
			t.Errorf("%s: kind %s, want invalid (%v)", tt.name, k, err)
		}
		msg := fault.As(err).Msg
		for _, w := range tt.want {
			if !strings.Contains(msg.EN, w) {
				t.Errorf("%s: message %q lacks %q", tt.name, msg.EN, w)
			}
		}
		if !strings.Contains(msg.ZH, tt.wantZH) || !strings.HasPrefix(msg.ZH, "t.geojson：") {
			t.Errorf("%s: Chinese message %q lacks %q", tt.name, msg.ZH, tt.wantZH)
		}
	}
}

func TestReadZonesEmptyCollection(t *testing.T) {
	zones, err := ReadZones(strings.NewReader(`{"type":"FeatureCollection","features":[]}`), "")
	if err != nil || len(zones) != 0 {
		t.Fatalf("ReadZones(empty) = %v, %v", zones, err)
	}
}

func TestWriteZonesFormat(t *testing.T) {
	zones := []Zone{{Code: "Z1", Name: "一片", Schools: []string{"2143000001"},
		Polygons: []Polygon{{{{112.6, 26.9}, {112.61, 26.9}, {112.61, 26.91}, {112.6, 26.9}}}}}}
	var buf bytes.Buffer
	if err := WriteZones(&buf, zones); err != nil {
		t.Fatal(err)
	}
	want := `{"type":"FeatureCollection","features":[
{"type":"Feature","id":"Z1","properties":{"zone":"Z1","name":"一片","schools":["2143000001"]},"geometry":{"type":"Polygon","coordinates":[[[112.6,26.9],[112.61,26.9],[112.61,26.91],[112.6,26.9]]]}}
]}
`
	if buf.String() != want {
		t.Errorf("WriteZones =\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := WriteZones(&buf, nil); err != nil || buf.String() != "{\"type\":\"FeatureCollection\",\"features\":[\n]}\n" {
		t.Errorf("WriteZones(nil) = %q, %v", buf.String(), err)
	}
}

func TestWriteZonesRefusesInvalid(t *testing.T) {
	bad := []Zone{zone("A", Polygon{rect(0, 0, 1, 1)}), zone("A", Polygon{rect(1, 0, 2, 1)})}
	err := WriteZones(&bytes.Buffer{}, bad)
	if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "zone 2 (A): the zone code repeats that of zone 1") {
		t.Errorf("WriteZones(duplicate codes) = %v", err)
	}
	noSchool := []Zone{{Code: "B", Polygons: []Polygon{{rect(0, 0, 1, 1)}}}}
	if err := WriteZones(&bytes.Buffer{}, noSchool); fault.KindOf(err) != fault.Invalid {
		t.Errorf("WriteZones(no school) = %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	sample, err := ReadZones(strings.NewReader(sampleGeoJSON), "sample")
	if err != nil {
		t.Fatal(err)
	}
	for name, zones := range map[string][]Zone{
		"sample":    sample,
		"synthetic": SyntheticZones(3, 40, BBox{112.55, 26.85, 112.65, 26.95}),
		"awkward floats": {zone("F", Polygon{ring(
			0.1, 0.2, 1e-7, -0.0, 179.99999999999997, 89.9999999999, -180, -90, 1.0/3, 2.0/3)})},
	} {
		var first bytes.Buffer
		if err := WriteZones(&first, zones); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		back, err := ReadZones(bytes.NewReader(first.Bytes()), name)
		if err != nil {
			t.Fatalf("%s: reading back: %v\n%s", name, err, first.String())
		}
		if !reflect.DeepEqual(back, zones) {
			t.Fatalf("%s: round trip changed the zones:\n%+v\nwant\n%+v", name, back, zones)
		}
		var second bytes.Buffer
		if err := WriteZones(&second, back); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Errorf("%s: output not deterministic", name)
		}
	}
}

func FuzzReadZones(f *testing.F) {
	f.Add([]byte(sampleGeoJSON))
	f.Add([]byte(`{"type":"FeatureCollection","features":[]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"A","schools":["2143000001"]},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"A","schools":["2143000001"]},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]]]]}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone":"A"},"geometry":null}]}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`{"type":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		zones, err := ReadZones(bytes.NewReader(data), "fuzz")
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("error of kind %s: %v", fault.KindOf(err), err)
			}
			return
		}
		if err := Validate(zones); err != nil {
			t.Fatalf("ReadZones accepted zones that Validate refuses: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteZones(&buf, zones); err != nil {
			t.Fatalf("WriteZones: %v", err)
		}
		back, err := ReadZones(&buf, "fuzz")
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if !reflect.DeepEqual(back, zones) {
			t.Fatalf("round trip changed the zones")
		}
		ix := NewIndex(zones)
		for _, z := range zones {
			for _, p := range z.Polygons {
				for _, q := range p[0] { // hole vertices may lie anywhere in an invalid polygon
					if len(ix.Locate(q.Lng, q.Lat)) == 0 {
						t.Fatalf("outer vertex %v is in no zone", q)
					}
				}
			}
		}
		_ = ix.Overlaps()
	})
}
