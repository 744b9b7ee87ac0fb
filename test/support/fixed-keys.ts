/**
 * Public keys made once, for tests that need a key of a type but not a fresh one: generating a 3072-bit
 * RSA key takes from a tenth of a second to a second, at random. Tests of key generation make their own.
 */

/** An RSA 3072-bit public key as an authorized_keys line (no comment), as OpenSSH and `toAuthorizedKey()` write it. */
export const RSA_3072_PUBLIC_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCfTrNpZb/EtNozE1xyMQRQkFeZzNHg8rW3rQdWcjAbg6y4WLFLYg1E58EiJhvEaPI5hEpOIRIXCNGpsiIMPlYvh6hUNWUwhRnugXcsyxuAqygghubQyAydlehCjQjqnaVhSjDYXCChOb/FdTug3VKKRGkAeZ4aEP8zVykEFzrVNN5S7fRErMwObP/hCGTKPiZC3DgFD9dv81wLDvrGUY0/vKLUtef2yu/OGjePyGcsSaJP5VIPTASla6rWutHB4ihFhgMR0YrEgRyiowa4LP6hGeq54mFCA7QFoBHSUnOBqb9+TyS9zegwzZCW1tfHOd7EnGv3L/5in/5mpAWyaq1ypXqKr7YnvqtKt8oSe74b+skQaMJwl9eXHCwbW9CtjMxJ0Hm3sC1JfimVO2ath+eY2YsGytWslcbU42ioF67NRMTD0+4LcHcSHjBm0ELgpIuKFiRKlVe0GN4jK4rVgjVE1DmJqryrAWm3TcNoEb5VSOU2xk7XTtfdmHNj4yBI4m0=';
