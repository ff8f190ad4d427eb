/* test_udm.c - decoding one UDM event into the flat event: both shapes,
 * every flat field, fallbacks, repeated fields, and the bad-event reasons;
 * on hand-written events and on copies of ../shared/docs/udm-samples. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lmhunt.h"

/*
 * Copies of the UDM samples in ../shared/docs/udm-samples (re-serialised
 * on one line each; the values are unchanged).
 */
/* CONSTRUCTED-sysmon1-services-spawns-psexesvc.json */
static const char SAMPLE_SYSMON1[] =
	"{\"name\": \"projects/my-project/locations/us/instances/00000000"
	"-0000-0000-0000-000000000000/events/AAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	"AAAAAAAAAAAAAAAA\", \"udm\": {\"metadata\": {\"id\": \"AAAAAAAAA"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", \"eventTimestamp\": \"202"
	"5-01-10T12:00:05.123Z\", \"ingestedTimestamp\": \"2025-01-10T12:"
	"01:40.551234Z\", \"eventType\": \"PROCESS_LAUNCH\", \"vendorName"
	"\": \"Microsoft\", \"productName\": \"Microsoft-Windows-Sysmon\""
	", \"productEventType\": \"1\", \"logType\": \"WINDOWS_SYSMON\"},"
	" \"principal\": {\"hostname\": \"srv01.corp.local\", \"asset\": "
	"{\"hostname\": \"srv01.corp.local\", \"ip\": [\"10.0.0.20\"]}, \""
	"ip\": [\"10.0.0.20\"], \"user\": {\"userid\": \"SYSTEM\", \"wind"
	"owsSid\": \"S-1-5-18\"}, \"administrativeDomain\": \"NT AUTHORIT"
	"Y\", \"process\": {\"pid\": \"640\", \"productSpecificProcessId\""
	": \"SYSMON:{11111111-1111-1111-1111-111111111111}\", \"commandLi"
	"ne\": \"C:\\\\Windows\\\\system32\\\\services.exe\", \"file\": {"
	"\"fullPath\": \"C:\\\\Windows\\\\System32\\\\services.exe\"}}}, "
	"\"target\": {\"process\": {\"pid\": \"4321\", \"productSpecificP"
	"rocessId\": \"SYSMON:{22222222-2222-2222-2222-222222222222}\", \""
	"commandLine\": \"C:\\\\Windows\\\\PSEXESVC.exe\", \"file\": {\"f"
	"ullPath\": \"C:\\\\Windows\\\\PSEXESVC.exe\", \"sha256\": \"0000"
	"000000000000000000000000000000000000000000000000000000000000\"}}"
	"}}}";

/* CONSTRUCTED-sysmon3-smb-network-connection.json */
static const char SAMPLE_SYSMON3[] =
	"{\"name\": \"projects/my-project/locations/us/instances/00000000"
	"-0000-0000-0000-000000000000/events/BBBBBBBBBBBBBBBBBBBBBBBBBBBB"
	"BBBBBBBBBBBBBBBB\", \"udm\": {\"metadata\": {\"id\": \"BBBBBBBBB"
	"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\", \"eventTimestamp\": \"202"
	"5-01-10T12:00:01.870Z\", \"ingestedTimestamp\": \"2025-01-10T12:"
	"01:12.000001Z\", \"eventType\": \"NETWORK_CONNECTION\", \"vendor"
	"Name\": \"Microsoft\", \"productName\": \"Microsoft-Windows-Sysm"
	"on\", \"productEventType\": \"3\", \"logType\": \"WINDOWS_SYSMON"
	"\"}, \"principal\": {\"hostname\": \"ws42.corp.local\", \"ip\": "
	"[\"10.0.0.42\"], \"port\": 50123, \"user\": {\"userid\": \"CORP\\"
	"\\admin\"}, \"process\": {\"pid\": \"4\", \"file\": {\"fullPath\""
	": \"System\"}}}, \"target\": {\"ip\": [\"10.0.0.20\"], \"port\":"
	" 445, \"hostname\": \"srv01.corp.local\"}, \"network\": {\"ipPro"
	"tocol\": \"TCP\", \"applicationProtocol\": \"SMB\"}}}";

/* CONSTRUCTED-winevtlog-4688-wmiprvse-spawns-cmd.json */
static const char SAMPLE_4688[] =
	"{\"name\": \"projects/my-project/locations/us/instances/00000000"
	"-0000-0000-0000-000000000000/events/DDDDDDDDDDDDDDDDDDDDDDDDDDDD"
	"DDDDDDDDDDDDDDDD\", \"udm\": {\"metadata\": {\"id\": \"DDDDDDDDD"
	"DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD\", \"eventTimestamp\": \"202"
	"5-01-10T12:05:10.200Z\", \"ingestedTimestamp\": \"2025-01-10T12:"
	"06:02.123456Z\", \"eventType\": \"PROCESS_LAUNCH\", \"vendorName"
	"\": \"Microsoft\", \"productName\": \"Microsoft-Windows-Security"
	"-Auditing\", \"productEventType\": \"4688\", \"logType\": \"WINE"
	"VTLOG\"}, \"principal\": {\"hostname\": \"srv01.corp.local\", \""
	"user\": {\"userid\": \"SRV01$\", \"windowsSid\": \"S-1-5-20\"}, "
	"\"process\": {\"pid\": \"2212\", \"file\": {\"fullPath\": \"C:\\"
	"\\Windows\\\\System32\\\\wbem\\\\WmiPrvSE.exe\"}}}, \"target\": "
	"{\"user\": {\"userid\": \"admin\"}, \"process\": {\"pid\": \"554"
	"4\", \"file\": {\"fullPath\": \"C:\\\\Windows\\\\System32\\\\cmd"
	".exe\"}, \"commandLine\": \"cmd.exe /Q /c whoami 1> \\\\\\\\127."
	"0.0.1\\\\ADMIN$\\\\__1736510710.2 2>&1\"}}}}";

/* CONSTRUCTED-winevtlog-7045-service-installed.json */
static const char SAMPLE_7045[] =
	"{\"name\": \"projects/my-project/locations/us/instances/00000000"
	"-0000-0000-0000-000000000000/events/CCCCCCCCCCCCCCCCCCCCCCCCCCCC"
	"CCCCCCCCCCCCCCCC\", \"udm\": {\"metadata\": {\"id\": \"CCCCCCCCC"
	"CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\", \"eventTimestamp\": \"202"
	"5-01-10T12:00:04.511Z\", \"ingestedTimestamp\": \"2025-01-10T12:"
	"01:31.777777Z\", \"eventType\": \"SERVICE_CREATION\", \"vendorNa"
	"me\": \"Microsoft\", \"productName\": \"Service Control Manager\""
	", \"productEventType\": \"7045\", \"logType\": \"WINEVTLOG\", \""
	"description\": \"A service was installed in the system.\"}, \"pr"
	"incipal\": {\"hostname\": \"srv01.corp.local\", \"user\": {\"use"
	"rid\": \"LocalSystem\"}}, \"target\": {\"application\": \"PSEXES"
	"VC\", \"process\": {\"file\": {\"fullPath\": \"%SystemRoot%\\\\P"
	"SEXESVC.exe\"}, \"commandLine\": \"%SystemRoot%\\\\PSEXESVC.exe\""
	"}}}}";

/* soar-integration-doc-tanium-network-connection.json */
static const char SAMPLE_TANIUM[] =
	"{\"metadata\": {\"eventTimestamp\": \"2020-09-28T17:20:00Z\", \""
	"eventType\": \"NETWORK_CONNECTION\", \"productName\": \"Tanium S"
	"tream\", \"productEventType\": \"NETWORK_DNS\", \"ingestedTimest"
	"amp\": \"2020-09-28T16:28:11.615578Z\"}, \"principal\": {\"hostn"
	"ame\": \"alan-centeno-pc\", \"assetId\": \"TANIUM:alan-centeno-p"
	"c\", \"process\": {\"pid\": \"1101\", \"productSpecificProcessId"
	"\": \"TANIUM:32323\"}}, \"target\": {\"hostname\": \"micrgsoft.c"
	"om\", \"user\": {\"userid\": \"alan\"}, \"process\": {\"pid\": \""
	"8172\", \"file\": {\"md5\": \"a219fc7fcc93890a842183388f80369e\""
	", \"fullPath\": \"C:\\\\Program Files(x86)\\\\adobe\\\\acrobat r"
	"eader dc\\\\reader\\\\acrord32.exe\"}, \"commandLine\": \"\\\"C:"
	"\\\\Program Files(x86)\\\\adobe\\\\acrobat reader dc\\\\reader\\"
	"\\acrord32.exe\\\" ...\", \"productSpecificProcessId\": \"TANIUM"
	":82315\"}}}";

/* legacy-v1-udmsearch-response-sysmon.json */
static const char SAMPLE_RESPONSE[] =
	"{\"events\": [{\"name\": \"0000000010000\", \"udm\": {\"metadata"
	"\": {\"productLogId\": \"010000\", \"eventTimestamp\": \"2023-01"
	"-14T00:59:52.110Z\", \"eventType\": \"REGISTRY_MODIFICATION\", \""
	"vendorName\": \"Microsoft\", \"productName\": \"Microsoft-Window"
	"s-Sysmon\", \"productEventType\": \"13\", \"ingestedTimestamp\":"
	" \"2023-01-14T13:14:24.377988Z\", \"id\": \"010000=\", \"enrichm"
	"entState\": \"ENRICHED\"}, \"principal\": {\"hostname\": \"activ"
	"e.stack.local\", \"assetId\": \"ACTIVE\", \"user\": {\"userid\":"
	" \"LOCAL SERVICE\", \"windowsSid\": \"S-1-1-10\"}, \"process\": "
	"{\"pid\": \"1000\", \"file\": {\"fullPath\": \"C:\\\\Windows\\\\"
	"host.exe\"}, \"productSpecificProcessId\": \"SYSMON:{00000000-00"
	"00-0000-0000-000000000f00}\"}, \"ip\": [\"0.0.0.1\"], \"administ"
	"rativeDomain\": \"AUTHORITY\", \"asset\": {\"productObjectId\": "
	"\"0000-0000-0000-0000-000000001000\", \"hostname\": \"active.sta"
	"ck.local\", \"assetId\": \"ACTIVE\", \"ip\": [\"0.0.0.1\"], \"pl"
	"atformSoftware\": {\"platform\": \"WINDOWS\", \"platformVersion\""
	": \"Windows\"}, \"location\": {\"countryOrRegion\": \"0\"}, \"ca"
	"tegory\": \"Computer\", \"attribute\": {\"labels\": [{\"key\": \""
	"Bad password count\", \"value\": \"0\"}, {\"key\": \"Password Ex"
	"pired\", \"value\": \"false\"}], \"creationTime\": \"2023-01-14T"
	"00:00:10Z\", \"lastUpdateTime\": \"2023-01-14T00:00:10Z\"}}}, \""
	"target\": {\"registry\": {\"registryKey\": \"System\\\\LastKnown"
	"GoodTime\", \"registryValueData\": \"WORD\"}, \"ip\": [\"0.0.0.1"
	"\"]}, \"about\": [{\"labels\": [{\"key\": \"Category ID\", \"val"
	"ue\": \"RegistryEvent\"}]}], \"securityResult\": [{\"ruleName\":"
	" \"technique_id=T0000,technique_name=Service Creation\", \"summa"
	"ry\": \"Registry value set\", \"severity\": \"INFORMATIONAL\"}, "
	"{\"ruleName\": \"EventID: 10\", \"action\": [\"ALLOW\"]}]}}, {\""
	"name\": \"0000000020000\", \"udm\": {\"metadata\": {\"productLog"
	"Id\": \"0001\", \"eventTimestamp\": \"2023-01-14T00:56:57.372Z\""
	", \"eventType\": \"NETWORK_DNS\", \"vendorName\": \"Microsoft\","
	" \"productName\": \"Microsoft\", \"productEventType\": \"22\", \""
	"ingestedTimestamp\": \"2023-01-14T10:07:42.183563Z\", \"id\": \""
	"0000000020000=\", \"enrichmentState\": \"ENRICHED\"}, \"principa"
	"l\": {\"hostname\": \"DESKTOP\", \"user\": {\"userid\": \"SYSTEM"
	"\", \"windowsSid\": \"S-1-1-11\"}, \"process\": {\"pid\": \"2000"
	"\", \"file\": {\"sha256\": \"00000000000000000000000000000000000"
	"00000000000000000000000000001\", \"md5\": \"00000000000000000000"
	"000000000001\", \"sha1\": \"000000000000000000000000000000000000"
	"0001\", \"fullPath\": \"C:\\\\Scripts.exe\", \"fileMetadata\": {"
	"\"pe\": {\"importHash\": \"00000000000000000000000000000001\"}}}"
	", \"commandLine\": \"\\\"C:\\\\Scripts.exe\\\"  \\\"shutdown\\\""
	"\", \"productSpecificProcessId\": \"SYSMON\"}, \"administrativeD"
	"omain\": \"AUTHORITY\"}, \"target\": {\"mac\": [\"0.0.0.1\"]}, \""
	"about\": [{\"labels\": [{\"key\": \"Category ID\", \"value\": \""
	"DnsQuery\"}]}], \"securityResult\": [{\"summary\": \"Dns query\""
	", \"severity\": \"INFORMATIONAL\"}, {\"ruleName\": \"EventID: 22"
	"\", \"summary\": \"QueryStatus: 0\"}], \"network\": {\"applicati"
	"onProtocol\": \"DNS\", \"dns\": {\"questions\": [{\"name\": \"lo"
	"gging.googleapis.com\"}], \"answers\": [{\"type\": 5, \"data\": "
	"\"logging.googleapis.com\"}]}}}}], \"moreDataAvailable\": true}";

/* a bare UDM event with every field the flat view reads */
static const char FULL[] =
	"{\"metadata\":{\"id\":\"full-1\","
	"\"eventTimestamp\":\"2024-05-01T10:00:00.000001Z\","
	"\"eventType\":\"NETWORK_CONNECTION\",\"productEventType\":\"3\","
	"\"productName\":\"Microsoft-Windows-Sysmon\"},"
	"\"principal\":{\"hostname\":\"ws1.corp\",\"ip\":[\"10.1.1.1\","
	"\"10.1.1.2\",\"fe80::1\"],\"port\":50000,"
	"\"user\":{\"userid\":\"alice\"},"
	"\"process\":{\"commandLine\":\"parent.exe -x\","
	"\"file\":{\"fullPath\":\"C:\\\\p\\\\parent.exe\"}}},"
	"\"target\":{\"hostname\":\"srv1\",\"ip\":\"10.2.2.2\",\"port\":\"445\","
	"\"user\":{\"userid\":\"bob\"},\"application\":\"PSEXESVC\","
	"\"resource\":{\"name\":\"\\\\\\\\srv1\\\\ADMIN$\"},"
	"\"file\":{\"fullPath\":\"C:\\\\Windows\\\\x.exe\"},"
	"\"process\":{\"commandLine\":\"child.exe /y\","
	"\"file\":{\"fullPath\":\"C:\\\\c\\\\child.exe\"}}},"
	"\"src\":{\"hostname\":\"WKS9\",\"ip\":[\"10.3.3.3\"],\"port\":1234},"
	"\"network\":{\"direction\":\"OUTBOUND\"},"
	"\"extensions\":{\"auth\":{\"mechanism\":\"NETWORK\"}}}";

/* Parse TEXT, failing the test with the reason when it does not parse. */
static void
parse_ok(const char *text, struct lmh_event *ev)
{
	char why[256] = "";

	if (udm_parse(text, strlen(text), ev, why, sizeof(why)) != 0)
		fail_msg("udm_parse failed: %s", why);
}

/* Parse TEXT expecting failure; the reason must contain WANT. */
static void
parse_bad(const char *text, const char *want)
{
	struct lmh_event ev;
	char why[256] = "";

	assert_int_equal(udm_parse(text, strlen(text), &ev, why, sizeof(why)),
	    -1);
	if (strstr(why, want) == NULL)
		fail_msg("reason '%s' lacks '%s' for: %s", why, want, text);
	assert_null(ev.doc);
}

/* Every flat field of a bare event, and the raw text kept as given. */
static void
bare_event_fields(void **state)
{
	struct lmh_event ev;

	(void)state;
	parse_ok(FULL, &ev);
	assert_string_equal(ev.id, "full-1");
	assert_int_equal(ev.ts_us, 1714557600000001LL);
	assert_string_equal(ev.event_type, "NETWORK_CONNECTION");
	assert_string_equal(ev.product_event_type, "3");
	assert_string_equal(ev.product_name, "Microsoft-Windows-Sysmon");
	assert_string_equal(ev.host, "ws1.corp");
	assert_string_equal(ev.target_host, "srv1");
	assert_string_equal(ev.src_host, "WKS9");
	assert_int_equal(ev.n_principal_ip, 3);
	assert_string_equal(ev.principal_ip[0], "10.1.1.1");
	assert_string_equal(ev.principal_ip[1], "10.1.1.2");
	assert_string_equal(ev.principal_ip[2], "fe80::1");
	assert_int_equal(ev.n_target_ip, 1);
	assert_string_equal(ev.target_ip[0], "10.2.2.2");
	assert_int_equal(ev.n_src_ip, 1);
	assert_string_equal(ev.src_ip[0], "10.3.3.3");
	assert_int_equal(ev.principal_port, 50000);
	assert_int_equal(ev.target_port, 445);
	assert_int_equal(ev.src_port, 1234);
	assert_string_equal(ev.parent_path, "C:\\p\\parent.exe");
	assert_string_equal(ev.parent_cmdline, "parent.exe -x");
	assert_string_equal(ev.path, "C:\\c\\child.exe");
	assert_string_equal(ev.cmdline, "child.exe /y");
	assert_string_equal(ev.user, "alice");
	assert_string_equal(ev.target_user, "bob");
	assert_string_equal(ev.service, "PSEXESVC");
	assert_string_equal(ev.resource, "\\\\srv1\\ADMIN$");
	assert_string_equal(ev.file_path, "C:\\Windows\\x.exe");
	assert_string_equal(ev.logon_type, "NETWORK");
	assert_string_equal(ev.direction, "OUTBOUND");
	assert_non_null(ev.raw);
	assert_int_equal(ev.raw_len, strlen(FULL));
	assert_memory_equal(ev.raw, FULL, ev.raw_len);
	udm_event_free(&ev);
	assert_null(ev.doc);
}

/* {"udm":{...}} gives the same flat event; raw is the inner UDM object. */
static void
wrapped_event_fields(void **state)
{
	struct lmh_event bare, wrapped;
	char *text;

	(void)state;
	text = xasprintf("{\"udm\":%s}", FULL);
	parse_ok(FULL, &bare);
	parse_ok(text, &wrapped);
	assert_string_equal(wrapped.id, bare.id);
	assert_int_equal(wrapped.ts_us, bare.ts_us);
	assert_string_equal(wrapped.host, bare.host);
	assert_string_equal(wrapped.target_host, bare.target_host);
	assert_int_equal(wrapped.n_principal_ip, bare.n_principal_ip);
	assert_int_equal(wrapped.target_port, bare.target_port);
	assert_string_equal(wrapped.cmdline, bare.cmdline);
	assert_string_equal(wrapped.service, bare.service);
	assert_non_null(wrapped.raw);
	assert_int_equal(wrapped.raw_len, strlen(wrapped.raw));
	assert_non_null(strstr(wrapped.raw, "\"metadata\""));
	assert_null(strstr(wrapped.raw, "\"udm\""));
	/* the raw text is itself a bare event that parses the same */
	udm_event_free(&bare);
	parse_ok(wrapped.raw, &bare);
	assert_string_equal(bare.id, "full-1");
	assert_string_equal(bare.resource, "\\\\srv1\\ADMIN$");
	udm_event_free(&bare);
	udm_event_free(&wrapped);
	free(text);
}

/* An events[] element without metadata.id is identified by its name. */
static void
id_from_name(void **state)
{
	struct lmh_event ev;

	(void)state;
	parse_ok("{\"name\":\"projects/p/events/abc\",\"udm\":{\"metadata\":"
	    "{\"eventTimestamp\":\"2024-05-01T10:00:00Z\"}}}", &ev);
	assert_string_equal(ev.id, "projects/p/events/abc");
	udm_event_free(&ev);
	/* metadata.id wins over the name */
	parse_ok("{\"name\":\"n\",\"udm\":{\"metadata\":{\"id\":\"m\","
	    "\"eventTimestamp\":\"2024-05-01T10:00:00Z\"}}}", &ev);
	assert_string_equal(ev.id, "m");
	udm_event_free(&ev);
}

/* Host names fall back to asset.hostname; hostname wins when both exist. */
static void
hostname_fallback(void **state)
{
	struct lmh_event ev;

	(void)state;
	parse_ok("{\"metadata\":{\"id\":\"h1\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"},"
	    "\"principal\":{\"asset\":{\"hostname\":\"p-asset\","
	    "\"ip\":[\"10.0.0.1\",\"10.0.0.2\"]}},"
	    "\"target\":{\"asset\":{\"hostname\":\"t-asset\"}},"
	    "\"src\":{\"asset\":{\"hostname\":\"s-asset\"}}}", &ev);
	assert_string_equal(ev.host, "p-asset");
	assert_string_equal(ev.target_host, "t-asset");
	assert_string_equal(ev.src_host, "s-asset");
	assert_int_equal(ev.n_principal_ip, 2);
	assert_string_equal(ev.principal_ip[1], "10.0.0.2");
	udm_event_free(&ev);

	parse_ok("{\"metadata\":{\"id\":\"h2\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"},"
	    "\"principal\":{\"hostname\":\"direct\",\"asset\":{\"hostname\":"
	    "\"p-asset\"}}}", &ev);
	assert_string_equal(ev.host, "direct");
	assert_null(ev.target_host);
	assert_null(ev.src_host);
	assert_int_equal(ev.n_target_ip, 0);
	assert_int_equal(ev.target_port, -1);
	udm_event_free(&ev);
}

/* Repeated IPs: all kept in order up to LMH_IPS_MAX, non-strings skipped. */
static void
repeated_ips(void **state)
{
	struct lmh_event ev;
	struct buf b;
	int i;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "{\"metadata\":{\"id\":\"ips\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"},\"target\":{\"ip\":[");
	for (i = 0; i < LMH_IPS_MAX + 3; i++)
		buf_printf(&b, "%s\"192.0.2.%d\"", i ? "," : "", i + 1);
	buf_puts(&b, "]},\"principal\":{\"ip\":[5,\"198.51.100.7\",null]}}");
	parse_ok(b.data, &ev);
	assert_int_equal(ev.n_target_ip, LMH_IPS_MAX);
	assert_string_equal(ev.target_ip[0], "192.0.2.1");
	assert_string_equal(ev.target_ip[LMH_IPS_MAX - 1], "192.0.2.8");
	assert_int_equal(ev.n_principal_ip, 1);
	assert_string_equal(ev.principal_ip[0], "198.51.100.7");
	udm_event_free(&ev);
	buf_free(&b);
}

/* Ports: integers or digit strings in 0..65535; anything else is absent. */
static void
ports(void **state)
{
	struct lmh_event ev;

	(void)state;
	parse_ok("{\"metadata\":{\"id\":\"p\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"},\"principal\":{\"port\":70000},"
	    "\"target\":{\"port\":\"135\"},\"src\":{\"port\":\"44x\"}}", &ev);
	assert_int_equal(ev.principal_port, -1);
	assert_int_equal(ev.target_port, 135);
	assert_int_equal(ev.src_port, -1);
	udm_event_free(&ev);
}

/* Timestamps: fractions and offsets convert to UTC µs; bad ones refuse. */
static void
timestamps(void **state)
{
	struct lmh_event ev;

	(void)state;
	parse_ok("{\"metadata\":{\"id\":\"t\",\"eventTimestamp\":"
	    "\"2024-05-01T12:00:00+02:00\"}}", &ev);
	assert_int_equal(ev.ts_us, 1714557600000000LL);
	udm_event_free(&ev);
	parse_bad("{\"metadata\":{\"id\":\"t\",\"eventTimestamp\":"
	    "\"yesterday\"}}", "metadata.eventTimestamp");
	parse_bad("{\"metadata\":{\"id\":\"t\",\"eventTimestamp\":"
	    "\"2024-13-01T00:00:00Z\"}}", "metadata.eventTimestamp");
	parse_bad("{\"metadata\":{\"id\":\"t\",\"eventTimestamp\":"
	    "1714557600}}", "metadata.eventTimestamp");
	parse_bad("{\"metadata\":{\"id\":\"t\"}}", "eventTimestamp");
}

/* No metadata.id (absent, empty, no metadata at all) refuses the event. */
static void
missing_id(void **state)
{
	(void)state;
	parse_bad("{\"metadata\":{\"eventTimestamp\":\"2024-05-01T10:00:00Z\"}}",
	    "no metadata.id");
	parse_bad("{\"metadata\":{\"id\":\"\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"}}", "no metadata.id");
	parse_bad("{\"principal\":{\"hostname\":\"x\"}}", "metadata.id");
	parse_bad("{\"udm\":{\"metadata\":{\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"}}}", "no metadata.id");
}

/* A wrong JSON type in a field the flat view reads names the field. */
static void
wrong_types(void **state)
{
	(void)state;
	parse_bad("{\"metadata\":{\"id\":42,\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"}}", "metadata.id");
	parse_bad("{\"metadata\":[1],\"principal\":{}}", "metadata");
	parse_bad("{\"metadata\":{\"id\":\"w\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"},\"principal\":\"host\"}", "principal");
	parse_bad("{\"metadata\":{\"id\":\"w\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"},\"target\":{\"hostname\":{\"a\":1}}}",
	    "target.hostname");
	parse_bad("{\"metadata\":{\"id\":\"w\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\",\"eventType\":7}}", "metadata.eventType");
	parse_bad("{\"udm\":[]}", "not a JSON object");
	parse_bad("{\"metadata\":{\"id\":\"w\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"},\"principal\":{\"process\":{\"file\":"
	    "{\"fullPath\":1}}}}", "principal.process.file.fullPath");
	parse_bad("{\"metadata\":{\"id\":\"w\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"},\"target\":{\"user\":{\"userid\":"
	    "[\"u\"]}}}", "target.user.userid");
}

/*
 * Outside the event's identity (metadata, host names, processes, users,
 * service) a value of another type counts as absent, and a repeated one
 * gives its first element: free-form fields such as additional.LogonType
 * come as numbers in some exports.
 */
static void
lenient_fields(void **state)
{
	static const char *const ok[] = {
		"\"additional\":{\"LogonType\":3}",
		"\"additional\":{\"LogonType\":[\"3\"]}",
		"\"principal\":{\"process\":\"cmd\"}",
		"\"target\":{\"user\":\"bob\"}",
		"\"target\":{\"port\":445.0}",
		"\"target\":{\"port\":true}",
		"\"network\":{\"direction\":1}",
		"\"principal\":{\"asset\":{\"ip\":{\"a\":1}}}",
		"\"extensions\":{\"auth\":{\"mechanism\":[3]}}",
	};
	struct lmh_event ev;
	char json[512], why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(json, sizeof(json), "{\"metadata\":{\"id\":\"l\","
		    "\"eventTimestamp\":\"2024-05-01T10:00:00Z\","
		    "\"productName\":7},%s}", ok[i]);
		why[0] = '\0';
		if (udm_parse(json, strlen(json), &ev, why, sizeof(why)) != 0)
			fail_msg("refused %s: %s", json, why);
		assert_null(ev.product_name);
		assert_int_equal(ev.target_port, -1);
		udm_event_free(&ev);
	}
	snprintf(json, sizeof(json), "{\"metadata\":{\"id\":\"l\","
	    "\"eventTimestamp\":\"2024-05-01T10:00:00Z\"},\"src\":"
	    "{\"hostname\":[\"h1\",\"h2\"]},\"additional\":{\"LogonType\":"
	    "[\"3\"]}}");
	assert_int_equal(udm_parse(json, strlen(json), &ev, why, sizeof(why)),
	    0);
	assert_string_equal(ev.src_host, "h1");
	assert_string_equal(ev.logon_type, "3");
	udm_event_free(&ev);
}

/* Text that is not one JSON object is refused with a reason. */
static void
not_json(void **state)
{
	struct lmh_event ev;
	char why[256] = "", *deep;
	size_t i, n = LMH_JSON_DEPTH_MAX + 10;

	(void)state;
	parse_bad("", "not JSON");
	parse_bad("hello", "not JSON");
	parse_bad("{\"metadata\":{\"id\":\"x\"", "not JSON");
	parse_bad("{\"metadata\":{\"id\":\"x\",\"eventTimestamp\":"
	    "\"2024-05-01T10:00:00Z\"}} trailing", "not JSON");
	parse_bad("[1,2]", "not a JSON object");
	parse_bad("\"just a string\"", "not a JSON object");

	/* deeper than LMH_JSON_DEPTH_MAX */
	deep = xmalloc(2 * n + 1);
	for (i = 0; i < n; i++) {
		deep[i] = '[';
		deep[2 * n - 1 - i] = ']';
	}
	deep[2 * n] = '\0';
	assert_int_equal(udm_parse(deep, 2 * n, &ev, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not JSON"));
	free(deep);
}

/* An event longer than LMH_EVENT_MAX is refused before parsing. */
static void
event_too_long(void **state)
{
	struct lmh_event ev;
	char why[256] = "", *text;
	size_t len = LMH_EVENT_MAX + 1;
	const char *ev1 = "{\"metadata\":{\"id\":\"a\","
	    "\"eventTimestamp\":\"2024-05-01T10:00:00Z\"}}";

	(void)state;
	text = xmalloc(len + 1);
	memset(text, ' ', len);
	memcpy(text, ev1, strlen(ev1));
	text[len] = '\0';
	assert_int_equal(udm_parse(text, len, &ev, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "longer"));
	/* one byte less is within the limit */
	assert_int_equal(udm_parse(text, len - 1, &ev, why, sizeof(why)), 0);
	assert_string_equal(ev.id, "a");
	udm_event_free(&ev);
	free(text);
}

/* The constructed Sysmon 1 sample: services.exe starting PSEXESVC. */
static void
sample_sysmon1(void **state)
{
	struct lmh_event ev;

	(void)state;
	parse_ok(SAMPLE_SYSMON1, &ev);
	assert_string_equal(ev.id,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(ev.ts_us, 1736510405123000LL);
	assert_string_equal(ev.event_type, "PROCESS_LAUNCH");
	assert_string_equal(ev.product_event_type, "1");
	assert_string_equal(ev.host, "srv01.corp.local");
	assert_int_equal(ev.n_principal_ip, 1);
	assert_string_equal(ev.principal_ip[0], "10.0.0.20");
	assert_string_equal(ev.parent_path, "C:\\Windows\\System32\\services.exe");
	assert_string_equal(ev.path, "C:\\Windows\\PSEXESVC.exe");
	assert_string_equal(ev.cmdline, "C:\\Windows\\PSEXESVC.exe");
	assert_string_equal(ev.user, "SYSTEM");
	assert_null(ev.target_host);
	udm_event_free(&ev);
}

/* The constructed Sysmon 3 sample: an SMB connection to port 445. */
static void
sample_sysmon3(void **state)
{
	struct lmh_event ev;

	(void)state;
	parse_ok(SAMPLE_SYSMON3, &ev);
	assert_int_equal(ev.ts_us, 1736510401870000LL);
	assert_string_equal(ev.event_type, "NETWORK_CONNECTION");
	assert_string_equal(ev.host, "ws42.corp.local");
	assert_string_equal(ev.principal_ip[0], "10.0.0.42");
	assert_int_equal(ev.principal_port, 50123);
	assert_string_equal(ev.target_ip[0], "10.0.0.20");
	assert_int_equal(ev.target_port, 445);
	assert_string_equal(ev.target_host, "srv01.corp.local");
	assert_string_equal(ev.user, "CORP\\admin");
	assert_string_equal(ev.parent_path, "System");
	udm_event_free(&ev);
}

/* The constructed 4688 sample: WmiPrvSE.exe spawning cmd.exe. */
static void
sample_4688(void **state)
{
	struct lmh_event ev;

	(void)state;
	parse_ok(SAMPLE_4688, &ev);
	assert_string_equal(ev.product_event_type, "4688");
	assert_string_equal(ev.parent_path,
	    "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe");
	assert_string_equal(ev.path, "C:\\Windows\\System32\\cmd.exe");
	assert_non_null(strstr(ev.cmdline, "\\\\127.0.0.1\\ADMIN$\\"));
	assert_string_equal(ev.user, "SRV01$");
	assert_string_equal(ev.target_user, "admin");
	udm_event_free(&ev);
}

/* The constructed 7045 sample: the service name is target.application. */
static void
sample_7045(void **state)
{
	struct lmh_event ev;

	(void)state;
	parse_ok(SAMPLE_7045, &ev);
	assert_string_equal(ev.event_type, "SERVICE_CREATION");
	assert_string_equal(ev.product_name, "Service Control Manager");
	assert_string_equal(ev.service, "PSEXESVC");
	assert_string_equal(ev.path, "%SystemRoot%\\PSEXESVC.exe");
	assert_string_equal(ev.host, "srv01.corp.local");
	udm_event_free(&ev);
}

/* The Tanium sample has no metadata.id: refused as such. */
static void
sample_tanium(void **state)
{
	(void)state;
	parse_bad(SAMPLE_TANIUM, "no metadata.id");
}

/* collects the events[] elements of a response */
struct elems {
	int	 n;
	char	*ids[4];
	int	 stop_at;		/* return 1 at this element; 0 never */
};

/* Parse each response element as an event and keep its ID. */
static int
elem_cb(const char *elem, size_t elen, void *arg)
{
	struct elems *e = arg;
	struct lmh_event ev;
	char why[256];

	if (udm_parse(elem, elen, &ev, why, sizeof(why)) == 0) {
		if (e->n < 4)
			e->ids[e->n] = xstrdup(ev.id);
		udm_event_free(&ev);
	}
	e->n++;
	return e->stop_at != 0 && e->n == e->stop_at ? 1 : 0;
}

/* The legacy udmSearch response sample: two events, more data available. */
static void
sample_response(void **state)
{
	struct elems e = { 0 };
	char why[256] = "";
	bool more = false;
	int i;

	(void)state;
	assert_int_equal(udm_parse_response(SAMPLE_RESPONSE,
	    strlen(SAMPLE_RESPONSE), elem_cb, &e, &more, why, sizeof(why)), 0);
	assert_int_equal(e.n, 2);
	assert_true(more);
	assert_string_equal(e.ids[0], "010000=");
	assert_string_equal(e.ids[1], "0000000020000=");
	for (i = 0; i < 2; i++)
		free(e.ids[i]);

	/* the callback's non-zero value stops the walk and is returned */
	memset(&e, 0, sizeof(e));
	e.stop_at = 1;
	assert_int_equal(udm_parse_response(SAMPLE_RESPONSE,
	    strlen(SAMPLE_RESPONSE), elem_cb, &e, &more, why, sizeof(why)), 1);
	assert_int_equal(e.n, 1);
	free(e.ids[0]);
}

/* Responses: no events is fine; a non-array or non-object is refused. */
static void
response_shapes(void **state)
{
	struct elems e = { 0 };
	char why[256] = "";
	bool more = true;

	(void)state;
	assert_int_equal(udm_parse_response("{\"moreDataAvailable\":false}",
	    27, elem_cb, &e, &more, why, sizeof(why)), 0);
	assert_int_equal(e.n, 0);
	assert_false(more);
	assert_int_equal(udm_parse_response("{\"events\":{}}", 13, elem_cb,
	    &e, &more, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "events"));
	assert_int_equal(udm_parse_response("[]", 2, elem_cb, &e, &more, why,
	    sizeof(why)), -1);
	assert_int_equal(udm_parse_response("{\"events\":[", 11, elem_cb, &e,
	    &more, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not JSON"));
	assert_int_equal(e.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bare_event_fields),
		cmocka_unit_test(wrapped_event_fields),
		cmocka_unit_test(id_from_name),
		cmocka_unit_test(hostname_fallback),
		cmocka_unit_test(repeated_ips),
		cmocka_unit_test(ports),
		cmocka_unit_test(timestamps),
		cmocka_unit_test(missing_id),
		cmocka_unit_test(wrong_types),
		cmocka_unit_test(lenient_fields),
		cmocka_unit_test(not_json),
		cmocka_unit_test(event_too_long),
		cmocka_unit_test(sample_sysmon1),
		cmocka_unit_test(sample_sysmon3),
		cmocka_unit_test(sample_4688),
		cmocka_unit_test(sample_7045),
		cmocka_unit_test(sample_tanium),
		cmocka_unit_test(sample_response),
		cmocka_unit_test(response_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
