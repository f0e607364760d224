# The small script the benchmark runs: some string and number work.
words = %w[the quick brown fox jumps over the lazy dog]
counts = words.group_by(&:length).transform_values(&:count)
puts counts.sort.map { |len, n| "#{len}:#{n}" }.join(" ")
puts (1..200).select { |n| (2..Math.sqrt(n)).none? { |d| (n % d).zero? } && n > 1 }.sum
