#!/usr/bin/perl
# Rewrites each kernel launch `kernel<<<config>>>(args)` of a .cu file into a call of the emulated
# device's launcher, and nothing else, so that g++ compiles the kernels as nvcc would:
#   ::emu::launch(::emu::Config(config), BOUNDS, __func__, "kernel",
#                 [&](auto... a) { return [=] { kernel(a...); }; }(args))
# The arguments are evaluated once, on the host, and copied into the launch, as CUDA passes them;
# a template kernel deduces its arguments at the call, as under nvcc. BOUNDS is the kernel's
# __launch_bounds__ (its first argument, a number or a constant; 0 without one). Usage: rewrite.pl FILE.cu > FILE.cpp
use strict;
use warnings;

local $/;
my $path = $ARGV[0];
open(my $in, '<', $path) or die "rewrite.pl: cannot read $path: $!\n";
my $src = <$in>;
close $in;

my %bounds;
while ($src =~ /__launch_bounds__\(\s*(\w+)[^)]*\)\s*(\w+)\s*\(/g) { $bounds{$2} = $1; }

my $launches = 0;
$src =~ s{\b([A-Za-z_]\w*)((?:<[^<>;]*>)?)\s*<<<(.*?)>>>\s*(\((?:[^()]++|(?4))*\))}{
    $launches++;
    my ($name, $template, $config, $args) = ($1, $2, $3, $4);
    my $b = $bounds{$name} // 0;
    "::emu::launch(::emu::Config($config), $b, __func__, \"$name\", [&](auto... emu_arg) { return [=] { $name$template(emu_arg...); }; }$args)"
}gse;
die "rewrite.pl: no kernel launch in $path\n" unless $launches;
print "#line 1 \"$path\"\n", $src;
