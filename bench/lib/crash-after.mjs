// How long every subject's instance runs before it crashes in the crash scenario. The same for all:
// a supervisor that has been idle that long wakes more slowly than one that was just busy, and
// samkit's warm spare needs the time to start and park (it starts 200 ms after register()).
export const crashAfter = 600;
