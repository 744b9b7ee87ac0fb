/**
 * Public keys made once, for tests that need a key of a type but not a fresh one: generating a 3072-bit
 * RSA key takes from a tenth of a second to a second, at random. Tests of key generation make their own.
 */

/** An RSA 3072-bit public key as an authorized_keys line (no comment), as OpenSSH and `toAuthorizedKey()` write it. */
export const RSA_3072_PUBLIC_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCfTrNpZb/EtNozE1xyMQRQkFeZzNHg8rW3rQdWcjAbg6y4WLFLYg1E58EiJhvEaPI5hEpOIRIXCNGpsiIMPlYvh6hUNWUwhRnugXcsyxuAqygghubQyAydlehCjQjqnaVhSjDYXCChOb/FdTug3VKKRGkAeZ4aEP8zVykEFzrVNN5S7fRErMwObP/hCGTKPiZC3DgFD9dv81wLDvrGUY0/vKLUtef2yu/OGjePyGcsSaJP5VIPTASla6rWutHB4ihFhgMR0YrEgRyiowa4LP6hGeq54mFCA7QFoBHSUnOBqb9+TyS9zegwzZCW1tfHOd7EnGv3L/5in/5mpAWyaq1ypXqKr7YnvqtKt8oSe74b+skQaMJwl9eXHCwbW9CtjMxJ0Hm3sC1JfimVO2ath+eY2YsGytWslcbU42ioF67NRMTD0+4LcHcSHjBm0ELgpIuKFiRKlVe0GN4jK4rVgjVE1DmJqryrAWm3TcNoEb5VSOU2xk7XTtfdmHNj4yBI4m0=';

/** An RSA 2048-bit public key (the smallest the server certifies) as an authorized_keys line (no comment). */
export const RSA_2048_PUBLIC_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDLqaAUYZnJ0D9w2lE8H0pg0vldG+id0nEBkgBjGgnNjh2PHKP2nkozAsEk7RzId33NiHnsQTvwpl5I7IoboqIfkEPvbmDGX9Co5hy6qC74CJrOXwO8e6KIor89N3eJ8dLfqNev6Vi42rLFDaQUHbVW+wX39YN08EZcGUcDWms8ZfRfdEAPUekh6v9emST420Dl+AlgYjU9Tub8o54WrHCK58f5f5HZHIs9aDAwT0iCFiASiY0jayF1DgLhhDecF9p2CN0DwAMoPgTsFLqU4wvzyaqhSHJYV6VOi74ceHox29h23fPJSd/6LgTnSL3bd6PkACdBTWFXIdh5lhKsPMl9';
