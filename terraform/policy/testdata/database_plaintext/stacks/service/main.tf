# Broken on purpose (policy test): the API connects to the database without TLS.
module "service" {
  source = "../../modules/service"
  environment_variables = {
    DB_HOST = "db.example.internal"
    DB_PORT = "3306"
  }
}
