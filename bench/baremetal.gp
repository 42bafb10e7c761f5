# bench/baremetal's figure: connections per second (median, min-max bars)
# and the ratio to plain against cores, one line per setup. Called as:
# gnuplot -e "in='summary.csv'; out='baremetal.png'" baremetal.gp
set datafile separator ","
set terminal pngcairo size 1100,460 font ",10"
set output out
setups = "plain reuseport reuseport-cpu fastsocket"
rows(s) = sprintf("< grep ',%s,' '%s'", s, in)
set multiplot layout 1,2 title "nginx, one request per connection, wrk from client machines"
set key top left
set grid
set xlabel "cores"
set logscale x 2
set ylabel "connections per second (median, min-max)"
set yrange [0:*]
plot for [i = 1:4] rows(word(setups, i)) using 1:4:5:6 with yerrorlines title word(setups, i)
set ylabel "ratio to plain (medians)"
set yrange [0:*]
plot for [i = 1:4] rows(word(setups, i)) using 1:7 with linespoints title word(setups, i)
unset multiplot
