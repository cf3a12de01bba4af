#!/bin/sh
# cli.sh - `vigil report` end to end: a copyright notice naming a NAT
# gateway's ip:port is traced through an ASA log to the inside host and filed
# with the gateway's site; the same mail again, and the same case resent under
# another Message-Id, are duplicates; a plain complaint joins by host and kind;
# a "[vigil #N]" reply is correspondence; unreadable mail is kept under
# rejected/ with its reason; maildir and stdin intake; the stored mail comes
# back byte for byte. Then every sample mail of ../shared/data (skipped when
# absent) goes through ingest with no rejection.
set -u
: "${VIGIL:?VIGIL is the vigil binary}"
: "${VIGIL_SOURCE_DIR:?}"
s=$VIGIL_SOURCE_DIR/samples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
desk="sqlite:$work/desk.sqlite"
R() { "$VIGIL" report "$@"; }

# ---- parse: what the notice says -------------------------------------------
out=$(R parse "$s/mail/acns-notice.eml") || bad "parse of the ACNS notice exited $?"
[ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] || bad "the notice should give one occurrence: $out"
for want in '"type":"copyright"' '"ip":"10.10.9.1"' '"port":40123' '"time":"2024-03-01T10:12:07Z"' \
	'"case":"DEMO-7741"' '"confidence":"high"' '"format":"acns"'; do
	printf '%s' "$out" | grep -q "$want" || bad "parse: missing $want in $out"
done
out=$(R parse -o table "$s/mail/scan-complaint.eml") || bad "parse of the complaint exited $?"
[ "$(printf '%s\n' "$out" | grep -c '10.10.5.66')" = 3 ] || bad "complaint: three log lines expected: $out"
printf '%s' "$out" | grep -q 'low' || bad "complaint: guessed occurrences have confidence low: $out"

# ---- the NAT log and the notice ------------------------------------------------
"$VIGIL" nat ingest -w nat "$s/nat/nat-gw1.log" > nat.out 2>&1 || { cat nat.out; bad "nat ingest exited $?"; }
out=$(R ingest --desk "$desk" --nat nat --sites "$s/sites.conf" --rejected rej "$s/mail/acns-notice.eml" 2>err.log)
rc=$?
[ $rc = 0 ] || { cat err.log; bad "ingest of the notice exited $rc"; }
printf '%s' "$out" | grep -q 'mails 1: filed 1' || bad "notice not filed: $out"
printf '%s' "$out" | grep -q 'new incidents 1' || bad "notice: one new incident expected: $out"
printf '%s' "$out" | grep -q 'traced 1 (confidence high)' || bad "notice: NAT trace not high: $out"
list=$("$VIGIL" incident list --desk "$desk" -o json)
printf '%s' "$list" | grep '"kind":"copyright"' | grep '"host":"172.16.20.37"' | grep -q '"site":"northgate-nat"' ||
	bad "no copyright incident for the inside host 172.16.20.37 at site northgate-nat: $list"
id=$(printf '%s\n' "$list" | grep '"kind":"copyright"' | sed 's/.*"id":\([0-9]*\).*/\1/' | head -n 1)
show=$("$VIGIL" incident show --desk "$desk" "$id")
printf '%s' "$show" | grep -q 'through NAT 10.10.9.1:40123 -> 172.16.20.37:51413' || bad "show: no NAT trace in: $show"
printf '%s' "$show" | grep -q 'nat-gw1.log line 7' || bad "show: the NAT log line is not named: $show"
sha=$(sha256sum "$s/mail/acns-notice.eml" | cut -c1-64)
printf '%s' "$show" | grep -q "sha256 $sha" || bad "show: the mail's SHA-256 is not listed: $show"
R show --desk "$desk" "$(printf '%s' "$sha" | cut -c1-12)" > back.eml || bad "report show exited $?"
cmp -s back.eml "$s/mail/acns-notice.eml" || bad "report show does not give the mail back byte for byte"

# ---- duplicates: the same mail, the same case under another Message-Id -----------
out=$(R ingest --desk "$desk" --nat nat --sites "$s/sites.conf" --rejected rej "$s/mail/acns-notice.eml" 2>/dev/null)
printf '%s' "$out" | grep -q 'duplicates 1' || bad "the same mail twice is not a duplicate: $out"
sed 's/^Message-Id: .*/Message-Id: <resent-7741@pictures.example>/' "$s/mail/acns-notice.eml" > resent.eml
out=$(R ingest --desk "$desk" --nat nat --sites "$s/sites.conf" --rejected rej resent.eml 2>/dev/null)
printf '%s' "$out" | grep -q '1 case ids seen before' || bad "the same case resent is not a duplicate: $out"
printf '%s' "$out" | grep -q 'new incidents 0' || bad "the resent case made an incident: $out"
n=$("$VIGIL" incident list --desk "$desk" -o json | grep -c '"kind":"copyright"')
[ "$n" = 1 ] || bad "copyright incidents after duplicates: $n, want 1"

# ---- a plain complaint, by stdin: joins the scan incident of its host --------------
printf '{"kind":"scan","host":"10.10.5.66","first":"2024-03-01T10:00:00Z","last":"2024-03-01T10:20:00Z","why":"detector"}\n' |
	"$VIGIL" incident ingest --desk "$desk" - >/dev/null
out=$(R ingest --desk "$desk" --sites "$s/sites.conf" --rejected rej - < "$s/mail/scan-complaint.eml" 2>/dev/null)
printf '%s' "$out" | grep -q 'filed 1' || bad "complaint from stdin not filed: $out"
printf '%s' "$out" | grep -q 'new incidents 0' || bad "complaint should join the scan incident of 10.10.5.66: $out"

# ---- a reply to incident $id ---------------------------------------------------------
printf 'From: abuse@northgate.example.ac.uk\nTo: csirt@vigil.example\nSubject: Re: [vigil #%s] Copyright notice\nMessage-Id: <reply-1@northgate.example.ac.uk>\nDate: Sat, 02 Mar 2024 09:00:00 +0000\n\nThe student has removed the client. Case closed on our side.\n' "$id" > reply.eml
out=$(R ingest --desk "$desk" --rejected rej reply.eml 2>/dev/null)
printf '%s' "$out" | grep -q 'replies 1' || bad "reply not filed as correspondence: $out"
"$VIGIL" incident show --desk "$desk" "$id" | grep -q 'in abuse@northgate.example.ac.uk' || bad "the reply is not on incident $id"

# ---- rejected: kept whole with the reason ----------------------------------------------
printf 'this is not a mail\n\x00\x01\x02' > junk.eml
printf 'From: someone@example.org\nSubject: hello\nMessage-Id: <x@example.org>\n\nNothing to report here, just saying hello.\n' > empty.eml
R ingest --desk "$desk" --rejected rej junk.eml empty.eml > out.txt 2>err.log
rc=$?
[ $rc = 1 ] || bad "ingest of unreadable mail exited $rc, want 1"
grep -q 'rejected 2' out.txt || bad "two rejected expected: $(cat out.txt)"
[ "$(ls rej/*.eml 2>/dev/null | wc -l)" = 2 ] || bad "rejected/ should hold two mails: $(ls rej)"
[ "$(ls rej/*.why 2>/dev/null | wc -l)" = 2 ] || bad "rejected/ should hold two reasons"
grep -q 'reason: no reported address found' rej/*.why || bad "the reason is not in the sidecar: $(cat rej/*.why)"
cat rej/*.eml | cmp -s - /dev/null && bad "rejected mail kept empty"

# ---- maildir -----------------------------------------------------------------------------
mkdir -p md/new md/cur md/tmp
cp "$s/mail/scan-complaint.eml" md/new/1709290000.M1P1.mx
cp junk.eml md/new/1709290001.M2P1.mx
R ingest --desk "$desk" --rejected rej md > md.out 2>&1
[ "$(ls md/new | wc -l)" = 0 ] || bad "maildir new/ not emptied: $(ls md/new)"
[ -f "md/cur/1709290000.M1P1.mx:2,S" ] || bad "maildir: filed mail not moved to cur/ with :2,S: $(ls md/cur)"
grep -q 'duplicates 1' md.out || bad "maildir: the complaint again should be a duplicate: $(cat md.out)"

"$VIGIL" incident verify --desk "$desk" > verify.out || { cat verify.out; bad "audit trail does not verify"; }

# ---- every sample mail of ../shared/data -----------------------------------------------
data=${VIGIL_DATA_DIR:-$VIGIL_SOURCE_DIR/../shared/data}
if [ -d "$data/acns" ]; then
	for set in acns/abuseio shadowserver/abuseio_emails xarf/abuseio other_reports/abuseio_abusehub; do
		[ -d "$data/$set" ] || continue
		n=$(ls "$data/$set"/*.eml | wc -l)
		out=$(R ingest --desk "sqlite:$work/samples.sqlite" --rejected "rej-samples" "$data/$set"/*.eml 2>"samples.err")
		printf '%s' "$out" | grep -q "mails $n: filed $n," || { cat samples.err; bad "$set: not every one of $n mails filed: $out"; }
	done
else
	echo "SKIP: $data not present: the shared sample mails were not ingested"
fi

# ---- the same trace into PostgreSQL, when the test script started one ----------------------
if [ -n "${VIGIL_PG_URL:-}" ]; then
	db=vigil_report_cli_$$
	psql -q "$VIGIL_PG_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" > /dev/null 2>&1 ||
		bad "cannot create database $db"
	pg="${VIGIL_PG_URL%/*}/$db"
	out=$(R ingest --desk "$pg" --nat nat --sites "$s/sites.conf" --rejected rej "$s/mail/acns-notice.eml" "$s/mail/acns-notice.eml" 2>pg.err)
	printf '%s' "$out" | grep -q 'mails 2: filed 2, duplicates 1,' || { cat pg.err; bad "PostgreSQL: $out"; }
	"$VIGIL" incident list --desk "$pg" -o json | grep '"kind":"copyright"' | grep -q '"host":"172.16.20.37"' ||
		bad "PostgreSQL: no copyright incident for 172.16.20.37"
	R show --desk "$pg" "$sha" | cmp -s - "$s/mail/acns-notice.eml" || bad "PostgreSQL: the mail does not come back byte for byte"
	psql -q "$VIGIL_PG_URL" -c "DROP DATABASE IF EXISTS $db" > /dev/null 2>&1
else
	echo "SKIP: VIGIL_PG_URL not set: the PostgreSQL desk was not tried"
fi

[ $fail = 0 ] && echo PASS
exit $fail
