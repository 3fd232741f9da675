#!/usr/bin/perl
# mkmmdb.pl — write a small MaxMind DB (.mmdb) from a TSV, for the tests and
# the demo: the correlator's GeoIP (correlator/geo.h) reads it as it reads
# GeoLite2-ASN / GeoLite2-Country or the DB-IP lite databases.
#
#   scripts/mkmmdb.pl [--layout asn|country|both] IN.tsv OUT.mmdb
#
# IN.tsv (UTF-8; "-" for stdin), one network a line, '#' starts a comment:
#
#   # cidr          asn     org                     country [name]
#   203.0.113.0/24  64500   Example Hosting Ltd     SG      Singapore
#   2001:db8::/32   64501   Example v6 Networks     ID
#   198.51.100.7    -       -                       US
#
# Fields are separated by one tab; "-" or nothing means "absent". A bare
# address is a /32 (/128). org may carry \t \n \r \\ \xHH and \u{HHHH}
# escapes (a test's hostile names). A more specific network wins over the
# one it sits in, whatever the line order.
#
# Layouts: asn writes autonomous_system_number, autonomous_system_organization
# (GeoLite2-ASN); country writes country and registered_country as
# {iso_code, names: {en}} (GeoLite2-Country); both writes all of them. The
# tree is IPv6 (ip_version 6) with IPv4 at ::/96 and ::ffff:0:0/96, 2001::/32,
# 2002::/16 aliased to it, as the real databases; --ipv4 writes an IPv4 tree.
# A network inside a reserved one (10/8, 192.168/16, fc00::/7, ...), which the
# correlator never looks up, is refused unless --keep-reserved. The
# documentation ranges (203.0.113.0/24, ...) are taken: simulated attackers
# come from them.
use strict;
use warnings;

use Encode qw(decode FB_CROAK);
use Getopt::Long qw(GetOptionsFromArray);
use Socket qw(inet_pton AF_INET AF_INET6);

my $ME = 'mkmmdb.pl';

sub usage {
    my ($msg) = @_;
    print STDERR "$ME: $msg\n" if defined $msg;
    print STDERR <<"EOF";
usage: $ME [--layout asn|country|both] [--type NAME] [--ipv4] [--keep-reserved]
           [--record-size 24|28|32] IN.tsv OUT.mmdb
  IN.tsv lines: cidr<TAB>asn<TAB>org<TAB>country[<TAB>country name]  (- = absent)
  --layout   asn: GeoLite2-ASN fields; country: GeoLite2-Country fields;
             both (default): all of them in one file
  --type     metadata database_type (default GeoLite2-ASN, GeoLite2-Country,
             or Ronda-Test-ASN-Country)
  --ipv4     an IPv4-only tree (default: IPv6 with IPv4 aliased, as GeoLite2)
  --keep-reserved  store private/reserved networks too (tests)
EOF
    exit 2;
}

my %opt = (layout => 'both', 'record-size' => 28);
GetOptionsFromArray(\@ARGV, \%opt, 'layout=s', 'type=s', 'ipv4', 'keep-reserved',
    'record-size=i', 'help|h') or usage();
usage() if $opt{help};
usage('--layout must be asn, country or both') if $opt{layout} !~ /\A(asn|country|both)\z/;
usage('--record-size must be 24, 28 or 32') if $opt{'record-size'} !~ /\A(24|28|32)\z/;
usage('expected two arguments: IN.tsv OUT.mmdb') if @ARGV != 2;
my ($in, $out) = @ARGV;
usage('OUT.mmdb is "-": give a file name') if $out eq '-';

eval { require MaxMind::DB::Writer::Tree; 1 } or do {
    print STDERR "$ME: MaxMind::DB::Writer::Tree is missing: "
        . "apt-get install libmaxmind-db-writer-perl (scripts/deps.sh installs it)\n";
    exit 2;
};

my $ipv6_tree = !$opt{ipv4};
my %default_type = (asn => 'GeoLite2-ASN', country => 'GeoLite2-Country',
    both => 'Ronda-Test-ASN-Country');
my $type = defined $opt{type} ? $opt{type} : $default_type{ $opt{layout} };

# Networks as bit strings in the IPv6 tree (IPv4 at ::/96), for overlap tests.
sub v6bits { return unpack('B*', $_[0]) }
my $V4PREFIX = '0' x 96;

sub net_bits {
    my ($cidr) = @_;
    my ($addr, $len) = $cidr =~ m{\A([^/]+)(?:/(\d{1,3}))?\z} or return;
    if ($addr =~ /:/) {
        my $p = inet_pton(AF_INET6, $addr) or return;
        $len = 128 if !defined $len;
        return if $len > 128;
        return (6, v6bits($p), $len, "$addr/$len");
    }
    my $p = inet_pton(AF_INET, $addr) or return;
    $len = 32 if !defined $len;
    return if $len > 32;
    return (4, $V4PREFIX . unpack('B*', $p), $len + 96, "$addr/$len");
}

# Whether network (a, alen) lies inside network (b, blen).
sub inside {
    my ($a, $alen, $b, $blen) = @_;
    return $alen >= $blen && substr($a, 0, $blen) eq substr($b, 0, $blen);
}

# The networks the correlator never looks up (geo.h, ronda_geo_is_reserved).
# The documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24,
# 2001:db8::/32) are not among them: the simulator's attackers come from them.
my @RESERVED = map { [ $_, (net_bits($_))[1, 2] ] } qw(
    0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12
    192.0.0.0/24 192.88.99.0/24 192.168.0.0/16 198.18.0.0/15 224.0.0.0/4 240.0.0.0/4
    100::/64 fc00::/7 fe80::/10 ff00::/8
);
my @ALIASED = map { [ $_, (net_bits($_))[1, 2] ] } qw(::ffff:0:0/96 2001::/32 2002::/16);

sub unescape {
    my ($s, $err) = @_;
    $s =~ s{\\(x([0-9A-Fa-f]{2})|u\{([0-9A-Fa-f]{1,6})\}|[tnr\\]|(.))}{
        defined $4 ? do { $$err = "unknown escape \\$4"; '' }
        : defined $2 ? chr(hex $2)
        : defined $3 ? chr(hex $3)
        : $1 eq 't' ? "\t" : $1 eq 'n' ? "\n" : $1 eq 'r' ? "\r" : "\\"
    }ge;
    return $s;
}

my $fh;
if ($in eq '-') {
    $fh = \*STDIN;
} elsif (!open($fh, '<:raw', $in)) {
    print STDERR "$ME: cannot read $in: $!\n";
    exit 2;
}
binmode $fh, ':raw';

my (@errors, @rows);
my ($lineno, $skipped) = (0, 0);
while (my $raw = <$fh>) {
    $lineno++;
    my $where = "$in:$lineno";
    my $line = eval { decode('UTF-8', $raw, FB_CROAK) };
    if (!defined $line) {
        push @errors, "$where: not UTF-8";
        next;
    }
    $line =~ s/\r?\n\z//;
    next if $line =~ /\A\s*(#|\z)/;
    my @f = split /\t/, $line, -1;
    if (@f < 4 || @f > 5) {
        push @errors, "$where: expected 4 or 5 tab-separated fields (cidr, asn, org, "
            . "country[, name]), got " . scalar(@f);
        next;
    }
    my ($cidr, $asn, $org, $cc, $name) =
        map { defined $_ && $_ ne '-' && $_ ne '' ? $_ : undef } @f;
    my @bad;
    my ($fam, $bits, $len, $net) = defined $cidr ? net_bits($cidr) : ();
    if (!defined $fam) {
        push @bad, 'cidr: '
            . (defined $cidr ? "$cidr is not an IPv4 or IPv6 network" : 'missing');
    } else {
        my $host = substr($bits, $len);
        if ($host =~ /1/) {
            push @bad, "cidr: $cidr has host bits set (the network starts lower)";
        }
        if ($fam == 6 && !$ipv6_tree) {
            push @bad, "cidr: $cidr is IPv6 in an --ipv4 database";
        }
        if (!$opt{'keep-reserved'}) {
            for my $r (@RESERVED) {
                next if !inside($bits, $len, $r->[1], $r->[2]);
                push @bad, "cidr: $cidr lies in the reserved $r->[0], which the correlator "
                    . 'never looks up (give --keep-reserved to store it anyway)';
                last;
            }
        }
        if ($ipv6_tree && $fam == 6) {
            for my $r (@ALIASED) {
                next if !inside($bits, $len, $r->[1], $r->[2]);
                push @bad, "cidr: $cidr lies in $r->[0], an alias of the IPv4 networks: "
                    . 'write the IPv4 network instead';
                last;
            }
        }
    }
    if (defined $asn && ($asn !~ /\A[0-9]{1,10}\z/ || $asn > 4294967295)) {
        push @bad, "asn: $asn is not a number 0..4294967295";
    }
    if (defined $cc && $cc !~ /\A[A-Za-z]{2}\z/) {
        push @bad, "country: $cc is not a two-letter code";
    }
    my $uerr;
    $org = unescape($org, \$uerr) if defined $org;
    push @bad, "org: $uerr" if defined $uerr;
    if (@bad) {
        push @errors, map { "$where: $_" } @bad;
        next;
    }
    $asn = undef if defined $asn && $asn == 0;    # AS 0: none (RFC 7607)
    my %d;
    if ($opt{layout} ne 'country') {
        $d{autonomous_system_number} = $asn + 0 if defined $asn;
        $d{autonomous_system_organization} = $org if defined $org;
    }
    if ($opt{layout} ne 'asn' && defined $cc) {
        my $c = { iso_code => uc $cc, names => { en => defined $name ? $name : uc $cc } };
        $d{country} = $c;
        $d{registered_country} = { %$c, names => { %{ $c->{names} } } };
    }
    # One TSV serves both layouts: a line without this layout's fields is skipped.
    if (!%d) {
        $skipped++;
        next;
    }
    push @rows, { cidr => $net, len => $len, data => \%d, where => $where };
}
close $fh if $in ne '-';

if (@errors) {
    print STDERR "$_\n" for @errors;
    print STDERR "$ME: $in: " . scalar(@errors) . " error(s); nothing written\n";
    exit 1;
}

if (!@rows) {
    print STDERR "$ME: $in: no networks: nothing to write\n";
    exit 1;
}

my %types = (
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
    country                        => 'map',
    registered_country             => 'map',
    iso_code                       => 'utf8_string',
    names                          => 'map',
    en                             => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => $ipv6_tree ? 6 : 4,
    record_size              => $opt{'record-size'},
    database_type            => $type,
    languages                => ['en'],
    description              => { en => "Ronda test database ($opt{layout}); not MaxMind data" },
    map_key_type_callback    => sub { $types{ $_[0] } },
    alias_ipv6_to_ipv4       => $ipv6_tree ? 1 : 0,
    # @RESERVED above stands in for the writer's own list, which would also
    # drop the documentation ranges without a word.
    remove_reserved_networks => 0,
);

# Wider networks first: a network inside another overwrites its part of it.
for my $r (sort { $a->{len} <=> $b->{len} } @rows) {
    eval { $tree->insert_network($r->{cidr}, $r->{data}); 1 } or do {
        my $e = $@;
        $e =~ s/ at \S+ line \d+\.?\n?\z//;
        chomp $e;
        push @errors, "$r->{where}: $r->{cidr}: $e";
    };
}
if (@errors) {
    print STDERR "$_\n" for @errors;
    print STDERR "$ME: $in: " . scalar(@errors) . " error(s); nothing written\n";
    exit 1;
}

# Written aside and renamed: a reader never maps a half-written file.
my $tmp = "$out.tmp.$$";
my $ofh;
if (!open($ofh, '>:raw', $tmp)) {
    print STDERR "$ME: cannot write $tmp: $!\n";
    exit 1;
}
my $ok = eval { $tree->write_tree($ofh); 1 };
my $werr = $@;
if (!$ok || !close($ofh) || !rename($tmp, $out)) {
    my $why = !$ok ? $werr : "$!";
    unlink $tmp;
    print STDERR "$ME: cannot write $out: $why\n";
    exit 1;
}
printf STDERR "%s: %s: %d networks (%s layout, %s)%s\n", $ME, $out, scalar(@rows),
    $opt{layout}, $ipv6_tree ? 'IPv6 tree, IPv4 aliased' : 'IPv4 tree',
    $skipped ? "; $skipped without $opt{layout} fields skipped" : '';
exit 0;
