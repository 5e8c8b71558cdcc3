resource "aws_subnet" "public" {
  count = length(var.availability_zones)
}

resource "aws_nat_gateway" "this" {
  count     = 1
  subnet_id = aws_subnet.public[0].id
}

resource "aws_route" "private_nat" {
  count          = length(var.availability_zones)
  nat_gateway_id = aws_nat_gateway.this[0].id
}
