// Parity-test fixture: a declarative pipeline with the same calls.
pipeline {
    agent { label 'docker' }
    environment {
        DAGGER_BIN = "${env.HOME}/.local/bin"
    }
    stages {
        stage('Install Dagger') {
            steps {
                sh label: 'install', script: 'go run ./ci/airgap cli --out "$HOME/.local/bin"'
            }
        }
        stage('Check') {
            when { changeRequest() }
            steps {
                sh(script: "dagger call check")
            }
        }
        stage('Plan') {
            environment {
                AWS_ROLE_ARN = "${env.AWS_PLAN_ROLE_ARN}"
            }
            steps {
                sh('''\
                  dagger call aws \\
                    --access-key-id=env://AWS_ACCESS_KEY_ID \\
                    --secret-access-key=env://AWS_SECRET_ACCESS_KEY \\
                    --session-token=env://AWS_SESSION_TOKEN \\
                    --region="$AWS_REGION" \\
                    environment \\
                    --name="$EVENTMALL_ENVIRONMENT" \\
                    --state-bucket="$TF_STATE_BUCKET" \\
                    --lock-table="$TF_LOCK_TABLE" \\
                    plan > plan.md
                ''')
            }
        }
        stage('Deploy') {
            when { branch 'main' }
            steps {
                /* a comment with a brace { and a 'quote */
                sh '''
                    dagger call aws \
                      --access-key-id=env://AWS_ACCESS_KEY_ID \
                      --secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                      --session-token=env://AWS_SESSION_TOKEN \
                      --region="$AWS_REGION" \
                      environment \
                      --name="$EVENTMALL_ENVIRONMENT" \
                      --state-bucket="$TF_STATE_BUCKET" \
                      --lock-table="$TF_LOCK_TABLE" \
                      --slack-token=env://SLACK_BOT_TOKEN \
                      --slack-channel="$SLACK_CHANNEL" \
                      deploy \
                      summary
                '''
            }
        }
        stage('Scheduled checks') {
            when { triggeredBy 'TimerTrigger' }
            environment {
                AWS_ROLE_ARN = "${env.AWS_PLAN_ROLE_ARN}"
            }
            steps {
                sh '''
                    dagger call aws \
                      --access-key-id=env://AWS_ACCESS_KEY_ID \
                      --secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                      --session-token=env://AWS_SESSION_TOKEN \
                      --region="$AWS_REGION" \
                      environment \
                      --name="$EVENTMALL_ENVIRONMENT" \
                      --state-bucket="$TF_STATE_BUCKET" \
                      --lock-table="$TF_LOCK_TABLE" \
                      --slack-token=env://SLACK_BOT_TOKEN \
                      --slack-channel="$SLACK_CHANNEL" \
                      drift
                    dagger call aws \
                      --access-key-id=env://AWS_ACCESS_KEY_ID \
                      --secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                      --session-token=env://AWS_SESSION_TOKEN \
                      --region="$AWS_REGION" \
                      environment \
                      --name="$EVENTMALL_ENVIRONMENT" \
                      --state-bucket="$TF_STATE_BUCKET" \
                      --lock-table="$TF_LOCK_TABLE" \
                      --slack-token=env://SLACK_BOT_TOKEN \
                      --slack-channel="$SLACK_CHANNEL" \
                      preflight \
                      --drop="$EVENTMALL_DROP"
                '''
            }
        }
    }
}
