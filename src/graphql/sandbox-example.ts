/** The operations Apollo Sandbox opens with: sign up or in, then ask who you are. */
export const SANDBOX_EXAMPLE = `# 1. Run SignUp (or SignIn), copy accessToken into the Authorization header as "Bearer <token>".
# 2. Run Me and LoginState. 3. Run Refresh with the refreshToken when the access token expires.
mutation SignUp {
  signUp(input: { email: "ada@example.com", password: "correct horse battery", nickname: "Ada" }) {
    accessToken refreshToken expiresIn refreshExpiresIn isNewUser
    user { id email nickname }
  }
}

mutation SignIn {
  signIn(input: { email: "ada@example.com", password: "correct horse battery" }) {
    accessToken refreshToken expiresIn
  }
}

query Me {
  me { id email emailVerified nickname providers hasPassword createdAt }
}

query LoginState {
  loginState
}

mutation Refresh($refreshToken: String!) {
  refresh(refreshToken: $refreshToken) { accessToken refreshToken expiresIn refreshExpiresIn }
}

mutation Logout {
  logout
}
`;
