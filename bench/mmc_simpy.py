"""The M/M/c queue of bench/simpy.mjs in SimPy 3, written as SimPy's own examples write one.

c servers (a simpy.Resource of capacity c: FIFO), Poisson arrivals at `rate` per second,
exponential service times with mean `mean` seconds, `jobs` jobs. The wait of a job is the time
from its arrival to the start of its service (orchsim's pending time: created to bound).

Usage: python3 bench/mmc_simpy.py [--servers 20] [--rate 0.18] [--mean 100] [--jobs 200000] [--seed 1]
Prints one JSON line: {"simpy": version, "jobs", "meanWait", "runSeconds"} where runSeconds is
env.run() alone (the model built and the interpreter started before it).
"""
import argparse
import json
import random
import time

import simpy


def job(env, servers, service, waits):
    arrived = env.now
    with servers.request() as req:
        yield req
        waits.append(env.now - arrived)
        yield env.timeout(service)


def source(env, servers, rng, rate, mean, jobs, waits):
    for _ in range(jobs):
        yield env.timeout(rng.expovariate(rate))
        env.process(job(env, servers, rng.expovariate(1.0 / mean), waits))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--servers', type=int, default=20)
    ap.add_argument('--rate', type=float, default=0.18)
    ap.add_argument('--mean', type=float, default=100.0)
    ap.add_argument('--jobs', type=int, default=200_000)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=a.servers)
    waits = []
    env.process(source(env, servers, rng, a.rate, a.mean, a.jobs, waits))
    t0 = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - t0
    print(json.dumps({'simpy': simpy.__version__, 'jobs': len(waits), 'meanWait': sum(waits) / len(waits), 'runSeconds': seconds}))


if __name__ == '__main__':
    main()
