# The benchmark's figure: connections per second (median, min-max bars) and
# accept locality against vCPUs, one line per setup (shifted a little
# sideways so that the bars do not hide each other). Called by
# bench/nginx-compare as: gnuplot -e "in='summary.csv'; out='plot.png'" plot.gp
set datafile separator ","
set terminal pngcairo size 1100,460 font ",10"
set output out
setups = "plain reuseport reuseport-cpu fastsocket"
rows(s) = sprintf("< grep ',%s,' '%s'", s, in)
x(i) = $1 + (i - 2.5) * 0.06
set multiplot layout 1,2 title "nginx, one request per connection, wrk over veth with RPS (qemu TCG)"
set key bottom right
set grid
set xlabel "vCPUs"
set xtics 1
set offsets 0.3, 0.3, 0, 0
set ylabel "connections per second (median, min-max)"
set yrange [0:*]
plot for [i = 1:4] rows(word(setups, i)) \
	using (x(i)):4:5:6 with yerrorlines title word(setups, i)
set ylabel "accepted on the CPU that processed the packets (%)"
set yrange [0:105]
plot for [i = 1:4] rows(word(setups, i)) \
	using (x(i)):9 with linespoints title word(setups, i)
unset multiplot
