-- wrk script: GET /items/{id}/similar?k=10 for item ids drawn at random from $VITRINE_BENCH_IDS (one per line).
local ids = {}
for line in io.lines(os.getenv("VITRINE_BENCH_IDS")) do ids[#ids + 1] = line end
math.randomseed(20261202)
request = function()
    return wrk.format("GET", "/items/" .. ids[math.random(#ids)] .. "/similar?k=10")
end
