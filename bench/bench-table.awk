# SPDX-License-Identifier: ISC. Copyright (c) the lchat authors; see LICENSE.
# bench-table.awk - run-bench's tables, from its results file (one
# key=value line per run). Variables: ns, peers, rate, slow, satn, scale,
# scale_s, scale_rate, join_secs, scale_join_secs (see run-bench).
#
# 1. One row per peer and N: medians over the runs (deliveries/s with its
#    range), each run's faults below it.
# 2. Issue 13: lchat and redis side by side, lchat / redis, the target and
#    whether it is met, at every point; then the many-users runs and a
#    summary. Ratios are of the medians.
# 2b. Issue 19: the same targets for lchat-irc (the same lchatd with half
#    its receivers on the IRC socket) against redis, with its own summary.

function add(peer, n, m, v,   k) {
	if (v == "")
		return
	k = peer SUBSEP n SUBSEP m
	vals[k] = (k in vals) ? vals[k] " " v : v
}

# Sorted values of (peer, n, m) into a[1..c]; returns c.
function sorted(peer, n, m, a,   k, c, i, j, t) {
	k = peer SUBSEP n SUBSEP m
	if (!(k in vals))
		return 0
	c = split(vals[k], a, " ")
	for (i = 2; i <= c; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	return c
}

function med(peer, n, m,   a, c) {
	c = sorted(peer, n, m, a)
	return c ? a[int((c + 1) / 2)] : ""
}

function rng(peer, n, m,   a, c) {
	c = sorted(peer, n, m, a)
	return c ? "(" a[1] "-" a[c] ")" : ""
}

function inlist(w, list,   a, c, i) {
	c = split(list, a, " ")
	for (i = 1; i <= c; i++)
		if (a[i] == w)
			return 1
	return 0
}

function orx(v) { return v == "" ? "-" : v }

# A target's row; cmp is "<=", ">=" or "<"; verdict on value (a ratio or,
# with a single peer, lchat's own figure).
function verdict(value, cmp, goal) {
	if (value == "")
		return "n/a"
	if (cmp == "<=")
		return value + 0 <= goal + 0 ? "met" : "MISSED"
	if (cmp == "<")
		return value + 0 < goal + 0 ? "met" : "MISSED"
	return value + 0 >= goal + 0 ? "met" : "MISSED"
}

# Tallies go to the set tset: "" for issue 13 (lchat), "irc" for lchat-irc.
function tally(v, what) {
	if (v == "met")
		met[tset]++
	else if (v == "MISSED") {
		missed[tset]++
		missed_list[tset] = missed_list[tset] "\n  - " what
	} else {
		unmeasured[tset]++
		unmeasured_list[tset] = unmeasured_list[tset] "\n  - " what
	}
}

function summary(title) {
	printf "%s: %d met, %d missed, %d not measured\n", title, met[tset], missed[tset], unmeasured[tset]
	if (missed[tset])
		print "missed:" missed_list[tset]
	if (unmeasured[tset])
		print "not measured:" unmeasured_list[tset]
}

# Issue 13's rows at N for the lchat peer lp (lchat, or lchat-irc) beside redis.
function compare(lp, n,   l, r, rt, tg, v, R, q, rr, j, peer) {
	if (!((lp, n) in runs) && !(("redis", n) in runs))
		return
	if (inlist(n, satn)) {
		l = med(lp, n, "dps"); r = med("redis", n, "dps"); rt = ratio(l, r)
		tg = inlist(n, "100 500 1000 2000")
		v = tg ? verdict(rt, ">=", 1.5) : ""
		crow(n, "saturation deliveries/s", l, r, rt, tg ? "ratio >= 1.5" : "", v)
		if (tg) tally(v, "saturation ratio >= 1.5 at N=" n)
		crow(n, "saturation CPU us/delivery", med(lp, n, "sat_cpu"), med("redis", n, "sat_cpu"), \
			ratio(med(lp, n, "sat_cpu"), med("redis", n, "sat_cpu")), "", "")
	}
	split(rate (slow != "" ? " " slow : ""), R, " ")
	for (q = 1; q in R; q++) {
		rr = R[q]
		l = med(lp, n, "cpu_" rr); r = med("redis", n, "cpu_" rr); rt = ratio(l, r)
		v = verdict(rt, "<=", 1)
		crow(n, rr " msgs/s CPU us/delivery", l, r, rt, "ratio <= 1", v)
		tally(v, "CPU/delivery ratio <= 1 at " rr " msgs/s, N=" n)
		l = med(lp, n, "p50_" rr); r = med("redis", n, "p50_" rr)
		crow(n, rr " msgs/s p50 us", l, r, ratio(l, r), "", "")
		l = med(lp, n, "p99_" rr); r = med("redis", n, "p99_" rr); rt = ratio(l, r)
		tg = q == 1 && inlist(n, "500 1000")
		v = tg ? verdict(rt, "<=", 1) : ""
		crow(n, rr " msgs/s p99 us", l, r, rt, tg ? "ratio <= 1" : "", v)
		if (tg) tally(v, "p99 ratio <= 1 at " rr " msgs/s, N=" n)
	}
	l = med(lp, n, "mem"); r = med("redis", n, "mem")
	v = verdict(l, "<=", 96)
	crow(n, "memory KiB/user", l, r, ratio(l, r), "lchat <= 96", v)
	tally(v, "memory <= 96 KiB/user at N=" n)
	l = med(lp, n, "join"); r = med("redis", n, "join")
	crow(n, "join ms", l, r, ratio(l, r), "", "")
	for (j = 1; j <= 2; j++) {
		peer = j == 1 ? lp : "redis"
		if ((peer, n) in runs && !((peer, n) in good))
			printf "%7s  (%s: no run at N=%s gave figures, see above)\n", "", peer, n
	}
}

function ratio(l, r) {
	if (l == "" || r == "" || r + 0 == 0)
		return ""
	return sprintf("%.2f", l / r)
}

# One comparison row: N, figure, lchat, redis, ratio, target, verdict.
function crow(n, what, l, r, rt, target, v) {
	printf "%7s  %-27s %12s %12s %8s  %-14s %s\n", n, what, orx(l), orx(r), orx(rt), target, v
}

# 3. Rooms (issue 17 point 7): the rooms point's runs (tag roomsR-...),
#    members spread over R rooms, next to everyone in one room at the same
#    number of senders; its own table at the end.
/^tag=rooms/ {
	delete F
	for (i = 1; i <= NF; i++) {
		p = index($i, "=")
		if (p)
			F[substr($i, 1, p - 1)] = substr($i, p + 1)
	}
	rk = F["proto"] SUBSEP F["n"] SUBSEP (F["rooms"] == "" ? "1" : F["rooms"])
	if (F["status"] == "ok") {
		radd(rk, "dps", F["deliv_per_s"])
		radd(rk, "cpu", F["cpu_us_per_deliv"])
		radd(rk, "p50", F["lat" rate "_p50_us"])
		radd(rk, "p99", F["lat" rate "_p99_us"])
	} else {
		rfault = rfault sprintf("\n  %s N=%s rooms=%s: %s", F["proto"], F["n"], F["rooms"], F["status"])
	}
	if (F["rooms"] + 0 > 1)
		nrooms_seen = F["rooms"]
	next
}

function radd(k, m, v) {
	if (v == "")
		return
	rv[k, m] = ((k, m) in rv) ? rv[k, m] " " v : v
}

function rmed(k, m,   a, c, i, j, t) {
	if (!((k, m) in rv))
		return "-"
	c = split(rv[k, m], a, " ")
	for (i = 2; i <= c; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	return a[int((c + 1) / 2)]
}

{
	delete F
	for (i = 1; i <= NF; i++) {
		p = index($i, "=")
		if (p)
			F[substr($i, 1, p - 1)] = substr($i, p + 1)
	}
	tag = F["tag"]; peer = F["proto"]; n = F["n"]
	if (tag ~ /^scale-part/)
		next
	if (tag == "scale") {
		scale_line[n] = $0
		for (k in F)
			S[n, k] = F[k]
		next
	}
	runs[peer, n]++
	st = F["status"]
	if (st == "NOT-RUN") {
		notrun[peer, n] = F["gave_up_at"]
		next
	}
	if (st != "ok") {
		fault = sprintf("  %s N=%s %s: %s", peer, n, tag, st)
		if (st == "JOIN-FAILED")
			fault = fault sprintf(", %s of %s users in after %.0f ms", F["ready"], F["conns"], F["join_ms"])
		if (st == "FAIL")
			fault = fault sprintf(", lost %s, dup %s, ooo %s, errors %s", F["lost"], F["dup"], F["ooo"], F["errors"])
		if ("first_error" in F)
			fault = fault ", first error: " F["first_error"]
		nfault[peer, n]++
		if ((peer, n) in faults)      # not in the assignment: mawk creates the element first
			fault = faults[peer, n] "\n" fault
		faults[peer, n] = fault
	}
	if (st != "ok" && st != "FAIL")
		next
	good[peer, n]++
	if (F["sat_msgs"] + 0 > 0) {
		add(peer, n, "dps", F["deliv_per_s"])
		add(peer, n, "sat_cpu", F["cpu_us_per_deliv"])
	}
	add(peer, n, "p50_" rate, F["lat" rate "_p50_us"])
	add(peer, n, "p99_" rate, F["lat" rate "_p99_us"])
	add(peer, n, "cpu_" rate, F["lat" rate "_cpu_us_per_deliv"])
	if (slow != "") {
		add(peer, n, "p50_" slow, F["lat" slow "_p50_us"])
		add(peer, n, "p99_" slow, F["lat" slow "_p99_us"])
		add(peer, n, "cpu_" slow, F["lat" slow "_cpu_us_per_deliv"])
	}
	add(peer, n, "mem", F["mem_kib_per_user"])
	add(peer, n, "join", F["join_ms"])
	add(peer, n, "load", F["load"])
}

END {
	nn = split(ns, N, " ")
	np = split(peers, P, " ")
	sl = slow != "" ? slow : "-"

	# ---- 1. every peer at every point ----
	printf "\n%-9s %5s %9s %19s %7s | %-22s | %-22s | %6s %9s %5s %6s\n", "", "", "saturation", "", "", \
		rate " msgs/s", sl " msgs/s", "", "", "", ""
	printf "%-9s %5s %9s %19s %7s | %7s %7s %6s | %7s %7s %6s | %6s %9s %5s %6s\n", "peer", "N", "deliv/s", \
		"(range)", "us/dl", "p50 us", "p99 us", "us/dl", "p50 us", "p99 us", "us/dl", "KiB/u", "join ms", "ok", "load"
	for (i = 1; i <= nn; i++) {
		n = N[i]
		for (j = 1; j <= np; j++) {
			peer = P[j]
			if (!((peer, n) in runs))
				continue
			printf "%-9s %5s %9s %19s %7s | %7s %7s %6s | %7s %7s %6s | %6s %9s %5s %6s\n", peer, n, \
				orx(med(peer, n, "dps")), rng(peer, n, "dps"), orx(med(peer, n, "sat_cpu")), \
				orx(med(peer, n, "p50_" rate)), orx(med(peer, n, "p99_" rate)), orx(med(peer, n, "cpu_" rate)), \
				orx(med(peer, n, "p50_" slow)), orx(med(peer, n, "p99_" slow)), orx(med(peer, n, "cpu_" slow)), \
				orx(med(peer, n, "mem")), orx(med(peer, n, "join")), (good[peer, n] + 0) "/" runs[peer, n], \
				orx(med(peer, n, "load"))
			if ((peer, n) in faults)
				print faults[peer, n]
			if ((peer, n) in notrun)
				printf "  %s N=%s: %s run(s) not made: at N=%s its users did not all get in within %s s\n", \
					peer, n, runs[peer, n] - good[peer, n] - nfault[peer, n], notrun[peer, n], join_secs
		}
	}

	# ---- 2. issue 13 ----
	print ""
	print "issue 13: lchat and redis side by side, ratio = lchat / redis (of the medians); targets"
	printf "%7s  %-27s %12s %12s %8s  %-14s %s\n", "N", "figure", "lchat", "redis", "ratio", "target", "verdict"
	tset = ""
	for (i = 1; i <= nn; i++)
		compare("lchat", N[i])

	# ---- many users at once ----
	ns_ = split(scale, SC, " ")
	if (ns_) {
		print ""
		printf "many users at once (lchat alone, %s senders, %s msgs/s in total for 5 s, %s s to join):\n", \
			scale_s, scale_rate, scale_join_secs
		for (i = 1; i <= ns_; i++) {
			n = SC[i]
			if (!(n in scale_line)) {
				crow(n, "users at once", "not run", "", "", "", "")
				continue
			}
			st = S[n, "status"]
			if (st == "SKIPPED") {
				gsub(/~/, " ", S[n, "reason"])
				crow(n, "users at once", "SKIPPED", "", "", "", "")
				printf "%7s  reason: %s\n", "", S[n, "reason"]
				if (n == 20000) tally("n/a", "20000 users at once: SKIPPED (" S[n, "reason"] ")")
				if (n == 10000) tally("n/a", "join of 10000 users: SKIPPED (" S[n, "reason"] ")")
				continue
			}
			if (S[n, "procs_bench"] > 1)
				printf "%7s  (%s bench processes: one process's descriptors do not hold them all)\n", n, \
					S[n, "procs_bench"]
			joined = S[n, "ready"] == S[n, "conns"]
			if (joined)
				l = S[n, "join_ms"]
			else
				l = ""
			tg = n == 10000
			v = tg ? (joined ? verdict(l, "<", 3000) : "MISSED") : ""
			crow(n, "join ms (+" scale_s " senders)", joined ? l : sprintf(">%.0f", S[n, "join_ms"]), "", "", \
				tg ? "< 3000 ms" : "", v)
			if (!joined)
				printf "%7s  only %s of %s users in after %.0f ms\n", "", S[n, "ready"], S[n, "conns"], S[n, "join_ms"]
			if (tg) tally(v, "join of 10000 users < 3 s")
			if (joined) {
				crow(n, "memory KiB/user", S[n, "mem_kib_per_user"], "", "", "lchat <= 96", \
					verdict(S[n, "mem_kib_per_user"], "<=", 96))
				tally(verdict(S[n, "mem_kib_per_user"], "<=", 96), "memory <= 96 KiB/user at N=" n)
				crow(n, scale_rate " msgs/s p50 us", S[n, "p50_us"], "", "", "", "")
				crow(n, scale_rate " msgs/s p99 us", S[n, "p99_us"], "", "", "", "")
			}
			crow(n, "chat without errors", st, "", "", n == 20000 ? "ok" : "", \
				n == 20000 ? (st == "ok" ? "met" : "MISSED") : "")
			printf "%7s  deliveries %s, lost %s, errors %s%s\n", "", S[n, "lat_deliv"], S[n, "lost"], \
				S[n, "errors"], ((n, "first_error") in S) ? ", first error: " S[n, "first_error"] : ""
			if (n == 20000) tally(st == "ok" ? "met" : "MISSED", "20000 users at once chat without errors")
		}
	}

	print ""
	summary("issue 13 targets")

	# ---- 2b. issue 19: half the receivers on IRC ----
	if (inlist("lchat-irc", peers)) {
		print ""
		print "issue 19: issue 13's targets with half the receivers on lchatd's IRC socket (lchat-irc), ratio = lchat-irc / redis"
		printf "%7s  %-27s %12s %12s %8s  %-14s %s\n", "N", "figure", "lchat-irc", "redis", "ratio", "target", "verdict"
		tset = "irc"
		for (i = 1; i <= nn; i++)
			compare("lchat-irc", N[i])
		print ""
		summary("issue 19 (issue 13's targets with half on IRC)")
		tset = ""
	}
}

END {
	if (nrooms_seen == "")
		exit
	printf "\nRooms (issue 17): every member in one of %s rooms, each sender's messages to its room, " \
	       "beside everyone in one room, at the same senders (medians)\n", nrooms_seen
	printf "%7s  %-9s %14s %14s %12s %12s %10s %10s %10s %10s\n", "N", "peer", "deliv/s 1", \
	       "deliv/s " nrooms_seen, "us/deliv 1", "us/deliv " nrooms_seen, "p50 1", "p50 " nrooms_seen,
	       "p99 1", "p99 " nrooms_seen
	c = split(ns, nl, " ")
	pc = split(peers, pl, " ")
	for (i = 1; i <= c; i++)
		for (j = 1; j <= pc; j++) {
			one = pl[j] SUBSEP nl[i] SUBSEP "1"
			many = pl[j] SUBSEP nl[i] SUBSEP nrooms_seen
			if (!((one, "p50") in rv) && !((many, "p50") in rv))
				continue
			printf "%7s  %-9s %14s %14s %12s %12s %10s %10s %10s %10s\n", nl[i], pl[j],
			       rmed(one, "dps"), rmed(many, "dps"), rmed(one, "cpu"), rmed(many, "cpu"),
			       rmed(one, "p50"), rmed(many, "p50"), rmed(one, "p99"), rmed(many, "p99")
		}
	if (rfault != "")
		printf "faults:%s\n", rfault
}
